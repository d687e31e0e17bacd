'use strict';
// One layer's CHANGELOG.md: the newest release on top.

const HEADINGS = [
  ['feature', 'Features'],
  ['fix', 'Bug Fixes'],
];

function commitLine(commit) {
  const others = commit.scopes.length > 1 ? ` (also ${commit.scopes.join(', ')})` : '';
  return `* ${commit.subject}${others} (${commit.hash.slice(0, 7)})`;
}

/** The section of one release, in Markdown. */
function renderSection(release, { date, repositoryUrl }) {
  const title = release.previous
    ? `## [${release.version}](${repositoryUrl}/compare/${release.layer}@v${release.previous}...${release.tag}) (${date})`
    : `## ${release.version} (${date})`;
  const lines = [title, ''];
  if (release.initial) {
    lines.push('Initial release. Its API is the baseline that jsii-diff compares later releases against.', '');
  }
  const breaking = release.commits.filter(commit => commit.breaking);
  if (breaking.length > 0) {
    lines.push('### ⚠ BREAKING CHANGES', '');
    for (const commit of breaking) {
      lines.push(commitLine(commit));
      if (commit.breakingNotes) {
        lines.push('', ...commit.breakingNotes.split('\n').map(line => (line ? `  ${line}` : '')), '');
      }
    }
    lines.push('');
  }
  for (const [level, heading] of HEADINGS) {
    const commits = release.commits.filter(commit => !commit.breaking && (commit.type === 'feat' ? 'feature' : 'fix') === level);
    if (commits.length > 0) {
      lines.push(`### ${heading}`, '', ...commits.map(commitLine), '');
    }
  }
  if (release.dependencies.length > 0) {
    lines.push('### Dependencies', '');
    for (const dep of release.dependencies) {
      lines.push(dep.from ? `* ${dep.name} ${dep.from} → ${dep.to}` : `* ${dep.name} ${dep.to}`);
    }
    lines.push('');
  }
  return lines.join('\n').replace(/\n+$/, '\n');
}

/** The changelog with the new section on top, under its title. */
function prependSection(existing, name, section) {
  const title = `# Changelog of ${name}`;
  const body = (existing ?? '').replace(/^# Changelog[^\n]*\n+/, '').trim();
  return `${title}\n\n${section.trim()}\n${body ? `\n${body}\n` : ''}`;
}

module.exports = { prependSection, renderSection };
