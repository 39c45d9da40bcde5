import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A file of the process groups a local run started, so that Ctrl-C — or the next run, after a
 * run that was killed — stops exactly those, by PID, and nothing else: a recorded group is only
 * signalled while one of its processes' command lines still contains the marker it was
 * recorded with (a pod's work directory, which its ffmpeg's arguments name too).
 */
interface Entry {
  readonly name: string;
  readonly pid: number;
  readonly marker: string;
}

export class PidFile {
  readonly #path: string;
  readonly #entries = new Map<number, Entry>();

  constructor(path: string) {
    this.#path = path;
  }

  add(name: string, pid: number, marker: string): void {
    this.#entries.set(pid, { name, pid, marker });
    this.#write();
  }

  remove(pid: number): void {
    if (this.#entries.delete(pid)) this.#write();
  }

  #write(): void {
    writeFileSync(this.#path, JSON.stringify([...this.#entries.values()], null, 2));
  }

  /** Stops every process group a previous run recorded in `path` and left running. */
  static async stopLeftovers(path: string): Promise<string[]> {
    let entries: Entry[];
    try {
      entries = JSON.parse(readFileSync(path, 'utf8')) as Entry[];
    } catch {
      return [];
    }
    const ours = entries.filter(
      (e) =>
        groupAlive(e.pid) && groupMembers(e.pid).some((m) => commandLine(m).includes(e.marker)),
    );
    await Promise.all(ours.map((e) => stopGroup(e.pid, 3000)));
    rmSync(path, { force: true });
    return ours.map((e) => `${e.name} (${e.pid})`);
  }
}

/** SIGTERM to the process group, then SIGKILL after `graceMs` if any of it is left. */
export async function stopGroup(pid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pid)) return;
    await sleep(50);
  }
  signalGroup(pid, 'SIGKILL');
}

export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The processes of a process group (its leader may be gone, leaving e.g. an ffmpeg). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
