// Which entries changed too recently for their stat line to show the next change (git's racily clean entries).

/**
 * How long after a change a file may still change again unseen. Linux stamps files from a clock that ticks
 * every 1 to 10 ms (one jiffy), so 50 ms covers any kernel; filesystems that store whole seconds (FAT even
 * two) need whole seconds. A shorter window means no extra rebuild when a playbook changes a chroot and builds
 * right away.
 */
export const FINE_GRAIN_MS = 50;
export const COARSE_GRAIN_MS = 2000;

/** The times an entry carries: seconds and nanoseconds of its mtime and ctime. */
export interface Times {
  mtimeSec: number;
  mtimeNsec: number;
  ctimeSec: number;
  ctimeNsec: number;
}

function cutoff(ms: number): [number, number] {
  const sec = Math.floor(ms / 1000);
  return [sec, (ms - sec * 1000) * 1e6];
}

/**
 * Whether an entry's mtime or ctime is no older than the timestamp granularity before `started` (ms since the
 * epoch, when the scan began): it may be written again within the same tick, after it was looked at, with no
 * time or size moving.
 */
export function racyTest(started: number): (e: Times) => boolean {
  const fine = cutoff(started - FINE_GRAIN_MS);
  const coarse = cutoff(started - COARSE_GRAIN_MS);
  // A time past the window's end was not stamped by a write in progress: an mtime set by hand (touch -d 2106), or a
  // ctime stamped while the clock ran ahead. A write from now on stamps both with the clock's time, before them, so
  // the stat line moves all the same; counting them racy would rebuild on every run until the clock caught up.
  const [aheadSec] = cutoff(started + COARSE_GRAIN_MS);
  const recent = (sec: number, nsec: number, [cutSec, cutNsec]: [number, number]): boolean =>
    sec <= aheadSec && (sec > cutSec || (sec === cutSec && nsec >= cutNsec));
  return (e) => {
    // Both times on whole seconds: a filesystem that keeps no sub-second times (FAT, ext3's small inodes), so wait longer.
    const cut = e.mtimeNsec === 0 && e.ctimeNsec === 0 ? coarse : fine;
    return recent(e.mtimeSec, e.mtimeNsec, cut) || recent(e.ctimeSec, e.ctimeNsec, cut);
  };
}
