'use strict';
// The git facts a release plan needs, read with plain git commands.
const { execFileSync } = require('child_process');
const { parseCommit } = require('./conventional');

function git(cwd, args) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Every tag reachable from HEAD. */
function mergedTags(cwd) {
  return git(cwd, ['tag', '--merged', 'HEAD']).split('\n').filter(Boolean);
}

const RECORD = '\x1e';
const FIELD = '\x1f';

/** The Conventional Commits after `since` (a tag, or undefined for the whole history), with their files. */
function commitsSince(cwd, since) {
  const range = since ? `${since}..HEAD` : 'HEAD';
  const out = git(cwd, ['log', '--no-merges', `--format=${RECORD}%H${FIELD}%B${FIELD}`, '--name-only', range]);
  return out.split(RECORD).filter(Boolean).flatMap(record => {
    const [hash, message, files] = record.split(FIELD);
    const commit = parseCommit(message.trim(), hash);
    return commit ? [{ ...commit, files: files.split('\n').map(file => file.trim()).filter(Boolean) }] : [];
  });
}

/** Paths with uncommitted changes (tracked or untracked, ignored files excepted). */
function dirtyPaths(cwd) {
  return git(cwd, ['status', '--porcelain']).split('\n').filter(Boolean);
}

module.exports = { commitsSince, dirtyPaths, git, mergedTags };
