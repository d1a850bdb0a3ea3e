// Splits what a pipe sends into lines, for the line protocols between our processes (the worker's job and events, the lock helper's words).

/** Calls `onLine` with each complete line; when it returns true, reading stops. Returns a function that stops reading. */
export function onLines(stream: NodeJS.ReadableStream | null | undefined, onLine: (line: string) => boolean | void): () => void {
  let buffered = '';
  const stop = () => {
    stream?.off('data', onData);
  };
  const onData = (chunk: Buffer | string) => {
    buffered += chunk.toString();
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (onLine(line) === true) {
        stop();
        return;
      }
    }
  };
  stream?.on('data', onData);
  return stop;
}
