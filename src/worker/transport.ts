import type { Command, WorkerEvent } from './protocol';
import type { Report } from './session';

/**
 * Both ends of the page <-> worker channel over anything that posts messages: a Worker,
 * a worker's global scope, or a MessagePort (so tests run the protocol in one thread
 * over a MessageChannel). Events' buffers travel as transfers.
 */

/** The part of a MessagePort, a Worker or a worker's global scope that the channel uses. */
export interface Endpoint {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  /** The listener gets a MessageEvent (typed loosely: Node's typings say Event). */
  addEventListener(type: 'message', listener: (event: object) => void): void;
  /** MessagePort only: starts delivery to listeners added with addEventListener. */
  start?(): void;
}

/** The payload of a message event. */
const dataOf = (event: object): unknown => (event as { readonly data?: unknown }).data;

/** Anything that takes commands: the training session. */
export interface CommandHandler {
  handle(command: Command): Promise<void>;
}

/** The worker's end: builds the session with a report that posts to `port` (transferring buffers) and feeds it the commands that arrive. */
export function connect<S extends CommandHandler>(port: Endpoint, createSession: (report: Report) => S): S {
  const session = createSession((event, transfer) => port.postMessage(event, transfer));
  port.addEventListener('message', (event) => {
    void session.handle(dataOf(event) as Command);
  });
  port.start?.();
  return session;
}

/** The page's end of a channel. */
export interface PageEnd {
  send(command: Command): void;
}

/** The page's end: sends commands and passes every event that arrives to `onEvent`. */
export function pageEnd(port: Endpoint, onEvent: (event: WorkerEvent) => void): PageEnd {
  port.addEventListener('message', (event) => onEvent(dataOf(event) as WorkerEvent));
  port.start?.();
  return { send: (command) => port.postMessage(command, []) };
}
