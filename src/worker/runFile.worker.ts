/**
 * Reads one run file off the page: the text, JSON.parse and the schema check allocate several
 * times the file's size, and a long file's worth of that on the page's heap came back as
 * garbage-collection pauses for seconds after it opened. Here it is freed with the worker;
 * the page receives only the checked run, its arrays of numbers packed into one transferred
 * buffer (../shared/packNumbers.ts), in parts (runFileParts). One file per message.
 */
import { refusal } from '../shared/fileRefusal';
import { readRunFile, runFileParts, type RunFileReply } from '../shared/readRunFile';

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (event: MessageEvent<File>) => {
  const file = event.data;
  void readRunFile(file).then((result) => {
    if (!result.ok) return scope.postMessage(result satisfies RunFileReply);
    for (const part of runFileParts(result.imported.fileName, result.imported.run)) {
      scope.postMessage(part, part.ok && part.part === 'numbers' ? [part.numbers.buffer] : []);
    }
  }).catch((error: unknown) => {
    scope.postMessage(refusal(file, `it could not be read (${error instanceof Error ? error.message : String(error)})`) satisfies RunFileReply);
  });
};
