#!/usr/bin/env python3
"""Independent reference for GradFlow's gradient numbers, computed with PyTorch in float64.

Reads probe files written by `npm run --silent cli -- probe ... --out FILE` (the model's
weights, one input batch and its labels, all in tfjs layouts), rebuilds GoogLeNet from the
model contract in PyTorch, and writes a small fixture with PyTorch's losses, per-head
per-layer gradient norms and per-block activation-gradient RMS, plus fingerprints of the
weights and input so a test can tell whether it is looking at the same model.

Only the `small` stem is implemented (the fixtures use it). Usage:
  python3 grad_reference.py OUT.json PROBE.json [PROBE.json ...]
"""
import json
import math
import sys

import torch
import torch.nn.functional as F


INCEPTION = {
    "3a": [64, 96, 128, 16, 32, 32], "3b": [128, 128, 192, 32, 96, 64],
    "4a": [192, 96, 208, 16, 48, 64], "4b": [160, 112, 224, 24, 64, 64],
    "4c": [128, 128, 256, 24, 64, 64], "4d": [112, 144, 288, 32, 64, 64],
    "4e": [256, 160, 320, 32, 128, 128], "5a": [256, 160, 320, 32, 128, 128],
    "5b": [384, 192, 384, 48, 128, 128],
}
BN_EPS = 1e-3


class Net:
    def __init__(self, probe, dtype):
        self.config = probe["config"]
        if self.config["stem"] != "small":
            raise SystemExit("only the small stem is implemented here")
        self.params = {}  # layer name -> list of leaf tensors (kernel, bias | gamma, beta)
        self.kind = {}
        for name, entry in probe["weights"].items():
            tensors = {}
            for key, value in entry.items():
                t = torch.tensor(value["data"], dtype=dtype).reshape(value["shape"])
                tensors[key] = t.requires_grad_(True)
            self.params[name] = tensors
        self.blocks = {}

    def act(self, x):
        a = self.config["activation"]
        return torch.relu(x) if a == "relu" else torch.sigmoid(x) if a == "sigmoid" else torch.tanh(x)

    def conv(self, x, name):
        p = self.params[name]
        k = p["kernel"]  # [kh, kw, in, out]
        w = k.permute(3, 2, 0, 1)  # [out, in, kh, kw]
        y = F.conv2d(x, w, padding=k.shape[0] // 2)  # stride 1, odd kernels: 'same' is symmetric
        if "gamma" in p:
            mean = y.mean(dim=(0, 2, 3), keepdim=True)
            var = ((y - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)  # biased, as in training
            y = (y - mean) / torch.sqrt(var + BN_EPS) * p["gamma"].view(1, -1, 1, 1) + p["beta"].view(1, -1, 1, 1)
        else:
            y = y + p["bias"].view(1, -1, 1, 1)
        return self.act(y)

    def dense(self, x, name, activate):
        p = self.params[name]
        y = x @ p["kernel"] + p["bias"]
        return self.act(y) if activate else y

    @staticmethod
    def max_pool_same(x, size, stride):
        """TensorFlow's 'same' max pool: extra padding goes to the bottom/right."""
        n = x.shape[2]
        out = math.ceil(n / stride)
        total = max((out - 1) * stride + size - n, 0)
        before, after = total // 2, total - total // 2
        x = F.pad(x, (before, after, before, after), value=float("-inf"))
        return F.max_pool2d(x, size, stride)

    def block(self, x, name):
        x.retain_grad()
        self.blocks[name] = x
        return x

    def inception(self, x, ident):
        n = f"inception_{ident}"
        b1 = self.conv(x, f"{n}/1x1")
        b3 = self.conv(self.conv(x, f"{n}/3x3_reduce"), f"{n}/3x3")
        b5 = self.conv(self.conv(x, f"{n}/5x5_reduce"), f"{n}/5x5")
        bp = self.conv(self.max_pool_same(x, 3, 1), f"{n}/pool_proj")
        return self.block(torch.cat([b1, b3, b5, bp], dim=1), n)

    def aux(self, features, prefix, mode):
        if mode == "probe":
            features = features.detach()
        x = F.avg_pool2d(features, 5, 3)  # valid
        x = self.conv(x, f"{prefix}/conv")
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # flatten in NHWC order
        x = self.dense(x, f"{prefix}/fc", True)
        return self.dense(x, f"{prefix}/classifier", False)  # dropout is off in a probe

    def forward(self, x_nhwc):
        self.blocks = {}
        x = x_nhwc.permute(0, 3, 1, 2)
        c1 = self.block(self.conv(x, "conv1/3x3"), "conv1")
        c2 = self.block(self.conv(self.conv(c1, "conv2/3x3_reduce"), "conv2/3x3"), "conv2")
        x = self.inception(c2, "3a")
        x = self.inception(x, "3b")
        x = self.max_pool_same(x, 3, 2)
        i4a = self.inception(x, "4a")
        x = self.inception(i4a, "4b")
        x = self.inception(x, "4c")
        i4d = self.inception(x, "4d")
        x = self.inception(i4d, "4e")
        x = self.max_pool_same(x, 3, 2)
        x = self.inception(x, "5a")
        x = self.inception(x, "5b")
        logits = {"main": self.dense(x.mean(dim=(2, 3)), "loss3/classifier", False)}
        for head, prefix, at in (("aux1", "loss1", i4a), ("aux2", "loss2", i4d)):
            mode = self.config[head]["mode"]
            if mode != "off":
                logits[head] = self.aux(at, prefix, mode)
        return logits


def reference(probe, dtype):
    net = Net(probe, dtype)
    x = torch.tensor(probe["input"]["data"], dtype=dtype).reshape(probe["input"]["shape"])
    labels = torch.tensor(probe["labels"], dtype=torch.long)
    cfg = probe["config"]
    weight = {"main": 1.0}
    for head in ("aux1", "aux2"):
        weight[head] = 0.0 if cfg[head]["mode"] == "off" else cfg[head]["weight"]
    names = list(net.params.keys())
    leaves = [(name, key, t) for name in names for key, t in net.params[name].items()]

    def gradients(objective_heads):
        logits = net.forward(x)
        ce = {h: F.cross_entropy(l, labels) for h, l in logits.items()}
        objective = sum(weight[h] * ce[h] for h in objective_heads if h in ce and weight[h] != 0)
        blocks = list(net.blocks.items())
        grads = torch.autograd.grad(objective, [t for _, _, t in leaves] + [b for _, b in blocks], allow_unused=True)
        norms = {}
        for (name, _, t), g in zip(leaves, grads[: len(leaves)]):
            norms[name] = norms.get(name, 0.0) + (0.0 if g is None else float((g ** 2).sum()))
        rms = {}
        for (name, b), g in zip(blocks, grads[len(leaves):]):
            rms[name] = 0.0 if g is None else float(torch.sqrt((g ** 2).mean()))
        return ce, {n: math.sqrt(v) for n, v in norms.items()}, rms

    ce, total_norm, total_rms = gradients(["main", "aux1", "aux2"])
    per_head = {}
    for head in ("main", "aux1", "aux2"):
        per_head[head] = gradients([head]) if weight[head] != 0 and head in ce else None
    grad_norm = {}
    for name in names:
        grad_norm[name] = {h: (per_head[h][1][name] if per_head[h] else 0.0) for h in ("main", "aux1", "aux2")}
        grad_norm[name]["total"] = total_norm[name]
    act = {}
    for name in total_rms:
        act[name] = {h: (per_head[h][2][name] if per_head[h] else 0.0) for h in ("main", "aux1", "aux2")}
        act[name]["total"] = total_rms[name]
    losses = {h: (float(ce[h]) if h in ce else None) for h in ("main", "aux1", "aux2")}
    losses["total"] = sum(weight[h] * float(ce[h]) for h in ce)
    fingerprint = {
        name: {key: {"sum": float(t.sum()), "sumSq": float((t ** 2).sum())} for key, t in net.params[name].items()}
        for name in names
    }
    return {
        "config": cfg, "preset": probe["preset"], "seed": probe["seed"], "dataset": probe["dataset"],
        "batch": probe["input"]["shape"][0], "labels": probe["labels"],
        "inputFingerprint": {"sum": float(x.sum()), "sumSq": float((x ** 2).sum())},
        "weightFingerprint": fingerprint,
        "losses": losses, "gradNorm": grad_norm, "actGradRms": act,
    }


def case(probe):
    f64 = reference(probe, torch.float64)
    f32 = reference(probe, torch.float32)
    f64["float32"] = {"losses": f32["losses"], "gradNorm": f32["gradNorm"], "actGradRms": f32["actGradRms"]}
    return f64


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    cases = []
    for path in sys.argv[2:]:
        with open(path) as f:
            cases.append(case(json.load(f)))
    with open(sys.argv[1], "w") as f:
        json.dump({"generator": "scripts/reference/grad_reference.py (PyTorch, float64)", "torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
