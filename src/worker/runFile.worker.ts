/**
 * Reads one run file off the page: the text, JSON.parse and the schema check allocate several
 * times the file's size, and a long file's worth of that on the page's heap came back as
 * garbage-collection pauses for seconds after it opened. Here it is freed with the worker;
 * the page receives only the checked run (a structured clone). One file per message.
 */
import { readRunFile, refusal, type ReadResult } from '../shared/readRunFile';

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<File>) => {
  const file = event.data;
  void readRunFile(file)
    .catch((error: unknown): ReadResult => refusal(file, `it could not be read (${error instanceof Error ? error.message : String(error)})`))
    .then((result) => scope.postMessage(result));
};
