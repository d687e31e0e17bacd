#!/usr/bin/env node
// Runs a command (nx) and passes its output through unchanged. When nothing has
// been printed for PROGRESS_SECONDS (default 10; 0 turns it off), it prints one
// line, then, while the quiet lasts, more at doubling waits (up to a minute):
// how many tasks are done and which are running, for how long:
//   … 14 of 36 tasks done; running 62 s: @lakehouse-cdk/storage:test, 12 s: dags:pytest
// It exits with the command's exit code, and works without a terminal (CI).
//
// Usage: node scripts/nx-progress.js nx run-many -t build test --output-style=static-failures-only
//
// Done: the tasks nx has printed a `nx run <task>` line for (it prints one when
// a task ends). Running: the processes nx started for a task carry the task in
// NX_TASK_TARGET_PROJECT and NX_TASK_TARGET_TARGET, and this run's marker, in
// their environment; on Linux they are read from /proc, elsewhere from `ps`.
// The number of tasks comes from the same command with `--graph=stdout`, asked
// only once the run has lasted a few seconds, so that a cached run pays nothing.
'use strict';
const { spawn, spawnSync, execFile } = require('child_process');
const fs = require('fs');

const MARKER = 'NX_PROGRESS_RUN';
const quietSeconds = Number(process.env.PROGRESS_SECONDS ?? 10);
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/nx-progress.js <command> [args...]');
  process.exit(2);
}

const runId = `${process.pid}-${Date.now()}`;
const env = { ...process.env, [MARKER]: runId };
// nx writes to a pipe now; keep its colours when they would reach a terminal.
if (process.stdout.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined) env.FORCE_COLOR = '1';

const started = Date.now();
let lastOutput = started;
let atLineStart = true;
const done = new Set();
let pending = '';
const child = spawn(command, args, { env, stdio: ['inherit', 'pipe', 'pipe'] });

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const TASK_LINE = /^\s*(?:\S{1,2}\s+)?nx run (\S+:\S+)/;
child.stdout.on('data', chunk => {
  process.stdout.write(chunk);
  lastOutput = Date.now();
  const text = chunk.toString();
  atLineStart = text.endsWith('\n');
  const lines = (pending + text).split('\n');
  pending = lines.pop();
  for (const line of lines) {
    const match = TASK_LINE.exec(line.replace(ANSI, ''));
    if (match) done.add(match[1]);
  }
});
child.stderr.on('data', chunk => {
  process.stderr.write(chunk);
  lastOutput = Date.now();
});

// The tasks of the run, by id; undefined until known, or when nx can't tell.
let tasks;
const isNx = /(^|\/)nx$/.test(command) && ['run-many', 'affected', 'run'].includes(args[0]);
function askForTasks() {
  const graphArgs = [...args.filter(arg => !arg.startsWith('--output-style')), '--graph=stdout'];
  execFile(command, graphArgs, { env: process.env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
    if (error) return;
    try {
      tasks = new Set(Object.keys(JSON.parse(stdout).tasks.tasks));
    } catch {
      // Not the JSON nx prints: no count, the line still names what runs.
    }
  });
}

/** The tasks running now, as id → seconds, longest first; empty when the processes can't be read. */
function runningTasks() {
  const seconds = new Map();
  const note = (id, spent) => seconds.set(id, Math.max(seconds.get(id) ?? 0, spent));
  try {
    if (process.platform === 'linux') {
      const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
      for (const pid of fs.readdirSync('/proc').filter(name => /^\d+$/.test(name))) {
        let environ, stat;
        try {
          environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
          stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        } catch {
          continue; // gone, or another user's
        }
        const id = taskOf(environ);
        // Field 22, the start time in clock ticks since boot (100 a second on Linux), counted after the command name.
        if (id) note(id, uptime - Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) / 100);
      }
    } else {
      // BSD ps: -E appends the environment to the command.
      const ps = spawnSync('ps', ['-A', '-E', '-ww', '-o', 'etime=,command='], { encoding: 'utf8' });
      for (const line of (ps.stdout ?? '').split('\n')) {
        const id = taskOf(line.split(/\s+/));
        if (id) note(id, etimeSeconds(line.trim().split(/\s+/)[0]));
      }
    }
  } catch {
    // No process list: the line says only how many tasks are done.
  }
  return [...seconds.entries()].sort((a, b) => b[1] - a[1]);
}

/** The task of a process from its environment (`NAME=value` words), if it is one of this run's. */
function taskOf(words) {
  const value = name => words.find(word => word.startsWith(`${name}=`))?.slice(name.length + 1);
  if (value(MARKER) !== runId) return undefined;
  const project = value('NX_TASK_TARGET_PROJECT');
  const target = value('NX_TASK_TARGET_TARGET');
  return project && target ? `${project}:${target}` : undefined;
}

/** `[[dd-]hh:]mm:ss` in seconds. */
function etimeSeconds(etime) {
  const [days, clock] = etime.includes('-') ? etime.split('-') : ['0', etime];
  return clock.split(':').reduce((total, part) => total * 60 + Number(part), 0) + Number(days) * 86400;
}

function progressLine() {
  const finished = tasks ? [...done].filter(id => tasks.has(id)).length : done.size;
  const count = tasks ? `${finished} of ${tasks.size} tasks done` : `${finished} ${finished === 1 ? 'task' : 'tasks'} done`;
  const running = runningTasks().filter(([id]) => !done.has(id));
  const total = Math.round((Date.now() - started) / 1000);
  if (running.length === 0) return `… ${count} in ${total} s`;
  return `… ${count}; running ${running.map(([id, spent]) => `${Math.round(spent)} s: ${id}`).join(', ')}`;
}

const timers = [];
if (quietSeconds > 0) {
  if (isNx) timers.push(setTimeout(askForTasks, Math.min(5, quietSeconds / 2) * 1000));
  // While nothing else prints, the wait doubles after each line, up to a minute:
  // a long task gets a line at 10, 30, 70, 130 s … instead of every 10 s.
  let wait = quietSeconds;
  let lastLine = 0;
  timers.push(setInterval(() => {
    if (lastOutput > lastLine) wait = quietSeconds;
    if (Date.now() - Math.max(lastOutput, lastLine) < wait * 1000) return;
    process.stdout.write(`${atLineStart ? '' : '\n'}${progressLine()}\n`);
    atLineStart = true;
    lastLine = Date.now();
    wait = Math.min(wait * 2, Math.max(60, quietSeconds));
  }, 1000));
}

// Ctrl-C reaches nx from the terminal; wait for it to stop and report its exit.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('error', error => {
  console.error(`nx-progress: can't run ${command}: ${error.message}`);
  process.exit(127);
});
child.on('close', (code, signal) => {
  timers.forEach(clearInterval);
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
});
