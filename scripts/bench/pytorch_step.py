#!/usr/bin/env python3
"""PyTorch eager, the yardstick of `npm run bench`: the same GoogLeNet, batch and step as
the bench's plain step, timed on PyTorch's fastest device here (CUDA, then Apple's MPS,
then the CPU).

Reads one JSON object on stdin (written by scripts/bench/pytorch.ts):
  {"config": ModelConfig, "layers": [{"name", "kernelShape"}], "batchSize", "reps",
   "warmup", "seed", "learningRate", "momentum", "device": "auto" | "cpu" | "cuda" | "mps"}
and prints one JSON object on stdout; progress goes to stderr. `layers` is GradFlow's own
list of weighted layers (tfjs kernel layouts): the network built here must have exactly
these, or the script stops without timing anything, so the comparison is of one model.

What is timed, like scripts/bench/plainStep.ts:
- step: the batch copied from the host to the device, a forward pass in training mode
  (dropout on, every head), the training loss CE(main) + w1 CE(aux1) + w2 CE(aux2), the
  backward pass, SGD with momentum, and the total loss read back (one scalar);
- forward: the batch copied to the device and a forward pass in training mode without
  recording for autograd (tfjs records nothing outside a gradient call either), the sum
  of the main logits read back.
Both run round-robin after `warmup` untimed runs each; medians are reported.
Idiomatic eager PyTorch (nn.Conv2d with its bias, F.relu, torch.optim.SGD), no
torch.compile, no cudnn autotuning, float32: the baseline the issue measured.
Only the `small` stem (the trainable presets) is built.

  python3 pytorch_step.py --check PROBE.json
checks the network itself: it loads the weights of a probe file (`npm run --silent cli --
probe --out PROBE.json`) and compares its logits, without dropout, with those of the
gradient reference's network (scripts/reference/grad_reference.py, whose gradients the
tests compare with GradFlow's); it prints the largest difference per head and fails over 1e-9.
"""
import json
import math
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "reference"))
from grad_reference import INCEPTION, Net  # noqa: E402  Table 1's counts, and the gradient reference's network

ACTIVATIONS = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
max_pool_same = Net.max_pool_same  # TensorFlow's 'same' max pool: the extra padding goes to the bottom and right


def scaled(channels, width):
    """c -> max(1, round(c * width)), rounding halves up as JavaScript's Math.round does."""
    return max(1, math.floor(channels * width + 0.5))


class GoogLeNet(nn.Module):
    """GoogLeNet of the model contract, `small` stem, NCHW. Weighted layers keyed by their contract names."""

    def __init__(self, config):
        super().__init__()
        if config["stem"] != "small":
            raise SystemExit("pytorch_step.py builds the small stem only (the trainable presets)")
        self.config = config
        self.act = ACTIVATIONS[config["activation"]]
        self.bn = config["batchNorm"]
        self.layer = nn.ModuleDict()
        self.norm = nn.ModuleDict()
        self.order = []  # (name, tfjs kernel shape), in the order the layers are made
        w = config["width"]
        c = self._conv("conv1/3x3", config["channels"], scaled(64, w), 3)
        c = self._conv("conv2/3x3_reduce", c, scaled(64, w), 1)
        c = self._conv("conv2/3x3", c, scaled(192, w), 3)
        for ident, counts in INCEPTION.items():
            n1, r3, n3, r5, n5, pp = (scaled(k, w) for k in counts)
            name = f"inception_{ident}"
            self._conv(f"{name}/1x1", c, n1, 1)
            self._conv(f"{name}/3x3", self._conv(f"{name}/3x3_reduce", c, r3, 1), n3, 3)
            self._conv(f"{name}/5x5", self._conv(f"{name}/5x5_reduce", c, r5, 1), n5, 5)
            self._conv(f"{name}/pool_proj", c, pp, 1)
            c = n1 + n3 + n5 + pp
            if ident in ("4a", "4d"):
                prefix = "loss1" if ident == "4a" else "loss2"
                head = config["aux1" if ident == "4a" else "aux2"]
                if head["mode"] != "off":
                    a = self._conv(f"{prefix}/conv", c, scaled(128, w), 1)
                    self._dense(f"{prefix}/fc", a * 4 * 4, scaled(1024, w))
                    self._dense(f"{prefix}/classifier", scaled(1024, w), config["classes"])
        self._dense("loss3/classifier", c, config["classes"])

    def _conv(self, name, cin, cout, k):
        self.layer[name] = nn.Conv2d(cin, cout, k, padding=k // 2, bias=not self.bn)  # stride 1, odd k: 'same'
        if self.bn:
            self.norm[name] = nn.BatchNorm2d(cout, eps=1e-3, momentum=0.01)
        self.order.append((name, [k, k, cin, cout]))
        return cout

    def _dense(self, name, n_in, n_out):
        self.layer[name] = nn.Linear(n_in, n_out)
        self.order.append((name, [n_in, n_out]))

    def conv(self, x, name):
        y = self.layer[name](x)
        return self.act(self.norm[name](y) if self.bn else y)

    def inception(self, x, ident):
        n = f"inception_{ident}"
        return torch.cat([
            self.conv(x, f"{n}/1x1"),
            self.conv(self.conv(x, f"{n}/3x3_reduce"), f"{n}/3x3"),
            self.conv(self.conv(x, f"{n}/5x5_reduce"), f"{n}/5x5"),
            self.conv(max_pool_same(x, 3, 1), f"{n}/pool_proj"),
        ], dim=1)

    def aux(self, x, prefix, mode):
        if mode == "probe":
            x = x.detach()  # the head trains, the trunk below gets nothing from it
        x = self.conv(F.avg_pool2d(x, 5, 3), f"{prefix}/conv")  # [b, 128w, 4, 4]
        x = x.permute(0, 2, 3, 1).flatten(1)  # NHWC order, as the contract flattens
        x = F.dropout(self.act(self.layer[f"{prefix}/fc"](x)), 0.7, self.training)
        return self.layer[f"{prefix}/classifier"](x)

    def forward(self, x):
        x = self.conv(self.conv(self.conv(x, "conv1/3x3"), "conv2/3x3_reduce"), "conv2/3x3")
        logits = {}
        for ident in INCEPTION:
            x = self.inception(x, ident)
            if ident in ("3b", "4e"):
                x = max_pool_same(x, 3, 2)
            if ident in ("4a", "4d"):
                head = "aux1" if ident == "4a" else "aux2"
                mode = self.config[head]["mode"]
                if mode != "off":
                    logits[head] = self.aux(x, "loss1" if head == "aux1" else "loss2", mode)
        x = F.dropout(x.mean(dim=(2, 3)), 0.4, self.training)
        logits["main"] = self.layer["loss3/classifier"](x)
        return logits


def pick_device(asked):
    if asked != "auto":
        return torch.device(asked)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def synchronise(device):
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()


def device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple MPS"
    threads = torch.get_num_threads()
    return f"CPU, {threads} thread{'s' if threads != 1 else ''}"


def check(path):
    """Same weights, same input: this network's logits against the gradient reference's (float64, no dropout)."""
    with open(path) as f:
        probe = json.load(f)
    reference = Net(probe, torch.float64)
    net = GoogLeNet(probe["config"]).double().eval()
    with torch.no_grad():
        for name, module in net.layer.items():
            p = reference.params[name]
            module.weight.copy_(p["kernel"].permute(3, 2, 0, 1) if p["kernel"].dim() == 4 else p["kernel"].t())
            if "bias" in p:
                module.bias.copy_(p["bias"])
            else:
                net.norm[name].weight.copy_(p["gamma"])
                net.norm[name].bias.copy_(p["beta"])
    x = torch.tensor(probe["input"]["data"], dtype=torch.float64).reshape(probe["input"]["shape"])  # NHWC
    theirs = reference.forward(x)  # records for autograd: it keeps block gradients
    with torch.no_grad():
        for norm in net.norm.values():
            norm.train()  # batch statistics, as the reference normalises; dropout stays off
        ours = net(x.permute(0, 3, 1, 2))
    worst = 0.0
    for head, logits in theirs.items():
        diff = float((logits - ours[head]).abs().max())
        worst = max(worst, diff)
        print(f"{head}: largest difference {diff:.3g} (largest logit {float(logits.abs().max()):.3g})")
    if worst > 1e-9:
        raise SystemExit("the timed network computes something else than the reference")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        return check(sys.argv[2])
    spec = json.load(sys.stdin)
    config = spec["config"]
    torch.manual_seed(spec["seed"])
    device = pick_device(spec.get("device", "auto"))
    net = GoogLeNet(config)
    ours = [{"name": n, "kernelShape": s} for n, s in net.order]
    theirs = [{"name": layer["name"], "kernelShape": list(layer["kernelShape"])} for layer in spec["layers"]]
    if sorted(ours, key=lambda l: l["name"]) != sorted(theirs, key=lambda l: l["name"]):
        mine = {l["name"]: l["kernelShape"] for l in ours}
        gradflow = {l["name"]: l["kernelShape"] for l in theirs}
        diff = [f"{n}: {mine.get(n)} here, {gradflow.get(n)} in GradFlow" for n in sorted(set(mine) | set(gradflow)) if mine.get(n) != gradflow.get(n)]
        raise SystemExit("the PyTorch network differs from GradFlow's: " + "; ".join(diff[:5]))
    net = net.to(device).train()
    weight = {"main": 1.0}
    for head in ("aux1", "aux2"):
        if config[head]["mode"] != "off":
            weight[head] = config[head]["weight"]
    optimizer = torch.optim.SGD(net.parameters(), lr=spec["learningRate"], momentum=spec["momentum"])
    b, size, channels = spec["batchSize"], config["inputSize"], config["channels"]
    generator = torch.Generator().manual_seed(spec["seed"])
    images = torch.randn(b, channels, size, size, generator=generator)  # on the host, as the tfjs batch is
    labels = torch.arange(b) % config["classes"]

    def step():
        x, y = images.to(device), labels.to(device)
        logits = net(x)
        loss = sum(w * F.cross_entropy(logits[h], y) for h, w in weight.items())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    def forward():
        with torch.no_grad():
            return net(images.to(device))["main"].sum().item()

    def timed(run):
        synchronise(device)
        start = time.perf_counter()
        run()  # .item() waits for the device
        return (time.perf_counter() - start) * 1000

    variants = [("step", step), ("forward", forward)]
    for name, run in variants:
        for _ in range(spec["warmup"]):
            run()
        print(f"  pytorch: warmed up {name}", file=sys.stderr, flush=True)
    times = {name: [] for name, _ in variants}
    for rep in range(spec["reps"]):
        for k in range(len(variants)):
            name, run = variants[(rep + k) % len(variants)]
            times[name].append(timed(run))
        print(f"  pytorch: round {rep + 1}/{spec['reps']}: " + ", ".join(f"{n} {times[n][-1]:.0f} ms" for n, _ in variants), file=sys.stderr, flush=True)
    json.dump({
        "torch": torch.__version__,
        "device": device.type,
        "deviceName": device_name(device),
        "threads": torch.get_num_threads(),
        "params": sum(p.numel() for p in net.parameters()),
        "stepMs": statistics.median(times["step"]),
        "forwardMs": statistics.median(times["forward"]),
        "reps": spec["reps"],
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
