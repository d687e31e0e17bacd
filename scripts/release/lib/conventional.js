'use strict';
// Conventional Commits as this repository writes them: `type(scope,scope)!: subject`,
// with `BREAKING CHANGE:` (or `BREAKING-CHANGE:`) footers carrying the upgrade notes.

const HEADER = /^(?<type>[a-z]+)(?:\((?<scopes>[^)]*)\))?(?<bang>!)?: (?<subject>.+)$/;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE: ?/m;

/** The release level of one commit: 'breaking', 'feature', 'fix' or undefined (nothing to release). */
function releaseLevel(commit) {
  if (commit.breaking) {
    return 'breaking';
  }
  if (commit.type === 'feat') {
    return 'feature';
  }
  if (commit.type === 'fix' || commit.type === 'perf') {
    return 'fix';
  }
  return undefined;
}

/**
 * Parses one commit message. Returns undefined for a message that is not a
 * Conventional Commit (a merge commit, for example): it releases nothing.
 */
function parseCommit(message, hash = '') {
  const [header, ...rest] = message.replace(/\r\n/g, '\n').split('\n');
  const match = HEADER.exec(header.trim());
  if (!match) {
    return undefined;
  }
  const body = rest.join('\n').trim();
  const footer = BREAKING_FOOTER.exec(body);
  // The notes run from the footer to the end of the message, or to the next footer token.
  let breakingNotes;
  if (footer) {
    const after = body.slice(footer.index + footer[0].length);
    breakingNotes = after.split(/\n(?=[A-Za-z-]+: |[A-Za-z-]+ #)/)[0].trim();
  }
  const scopes = (match.groups.scopes ?? '')
    .split(',')
    .map(scope => scope.trim())
    .filter(scope => scope.length > 0);
  return {
    hash,
    type: match.groups.type,
    scopes,
    subject: match.groups.subject.trim(),
    body,
    breaking: Boolean(match.groups.bang) || Boolean(footer),
    // `feat!:` without a footer: the subject is the note, and the check asks for more.
    breakingNotes: breakingNotes ?? (match.groups.bang ? '' : undefined),
  };
}

module.exports = { parseCommit, releaseLevel };
