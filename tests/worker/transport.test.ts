import { MessageChannel } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../src/worker/protocol';
import { TrainingSession } from '../../src/worker/session';
import { connect, pageEnd, type Endpoint } from '../../src/worker/transport';
import { backend } from '../helpers/tfjs';
import { NODE_OPTIONS, SETTINGS, stepsOf, waitFor } from './harness';

/** What the worker's end posted: the event, copies of its frames' numbers, and the arrays it posted. */
interface Posted {
  readonly event: WorkerEvent;
  readonly copies: Float32Array[];
  readonly views: Float32Array[];
}

const framesOf = (event: WorkerEvent): Float32Array[] =>
  event.type === 'step' ? [event.frames.A, event.frames.B].flatMap((f) => (f ? [f.data] : [])) : [];

describe('the protocol over a MessageChannel, in one thread', () => {
  beforeAll(() => backend('wasm'));
  const channels: MessageChannel[] = [];
  afterEach(() => {
    for (const { port1, port2 } of channels.splice(0)) {
      port1.close();
      port2.close();
    }
  });

  it('commands reach the session, events come back with their numbers intact, buffers moved rather than copied', async () => {
    const channel = new MessageChannel();
    channels.push(channel);
    const { port1, port2 } = channel;
    const posted: Posted[] = [];
    const workerSide: Endpoint = {
      postMessage(message, transfer) {
        const event = message as WorkerEvent;
        const views = framesOf(event);
        const copies = views.map((v) => v.slice());
        port2.postMessage(message, transfer);
        posted.push({ event, copies, views });
      },
      addEventListener: (type, listener) => port2.addEventListener(type, listener),
      start: () => port2.start(),
    };
    const session = connect(workerSide, (report) => new TrainingSession({ ...NODE_OPTIONS, report }));
    const received: WorkerEvent[] = [];
    const page = pageEnd(port1, (event) => received.push(event));

    page.send({ type: 'configure', settings: SETTINGS });
    page.send({ type: 'play' });
    await waitFor(received, (e) => e.type === 'step' && e.frames.A?.step === 3);
    page.send({ type: 'pause' });
    await waitFor(received, (e) => e.type === 'state' && !e.playing && e.step >= 3);
    await session.dispose();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the last messages arrive

    expect(received.map((e) => e.type)).toEqual(posted.map((p) => p.event.type));
    expect(received[0]).toMatchObject({ type: 'ready', runId: 1 });
    const steps = stepsOf(received, 1);
    expect(steps.map((s) => s.frames.A!.step)).toEqual(steps.map((_, i) => i + 1));
    posted.forEach((p, i) => {
      const arrived = framesOf(received[i]!);
      expect(arrived.map((a) => Array.from(a))).toEqual(p.copies.map((c) => Array.from(c)));
      for (const [j, view] of p.views.entries()) {
        expect(view.byteLength).toBe(0); // detached on the worker's side: transferred
        expect(arrived[j]).toBeInstanceOf(Float32Array);
      }
    });
    expect(posted.flatMap((p) => p.views)).toHaveLength(2 * steps.length);
  });

  it('an unknown command sent over the channel comes back as a non-fatal error', async () => {
    const channel = new MessageChannel();
    channels.push(channel);
    const session = connect(channel.port2, (report) => new TrainingSession({ ...NODE_OPTIONS, report }));
    const received: WorkerEvent[] = [];
    channel.port1.on('message', (data: unknown) => received.push(data as WorkerEvent));
    channel.port1.postMessage({ type: 'jump' });
    channel.port1.postMessage(null);
    await waitFor(received, (e) => e.type === 'error' && e.message.startsWith('a command'));
    expect(received).toEqual([
      { type: 'error', runId: 0, message: 'unknown command "jump"', fatal: false },
      { type: 'error', runId: 0, message: 'a command must be an object with a type', fatal: false },
    ]);
    await session.dispose();
  });
});
