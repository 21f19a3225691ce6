// One run at a time of work that only needs to happen "once more after
// now": refreshing the room list, reading a room's change stream.

/**
 * coalesce wraps the async function run: a call while a run is going on
 * asks for one more run after it (however many calls asked), and answers a
 * promise that settles when the runs are done. Its idle() answers a
 * promise that settles once no run is going on, starting none.
 */
export function coalesce(run) {
  let running = null;
  let again = false;
  const call = () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await run();
      } while (again);
    })().finally(() => { running = null; });
    return running;
  };
  call.idle = () => running || Promise.resolve();
  return call;
}
