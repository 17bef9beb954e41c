/**
 * The `USER` a Dockerfile gives its image: the last USER instruction of the final stage (the
 * stage after the last FROM). Instructions are case-insensitive, `\` continues a line, and lines
 * starting with `#` are comments (Dockerfile reference). A final stage without USER inherits its
 * base image's user, and a USER with a variable depends on build arguments: both are refused,
 * because the user cannot be read from the Dockerfile alone.
 */
export function finalStageUser(dockerfile: string): string {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const lastFrom = instructions.findLastIndex((line) => /^FROM\s/i.test(line));
  if (lastFrom < 0) throw new Error('the Dockerfile has no FROM');
  const user = instructions
    .slice(lastFrom + 1)
    .filter((line) => /^USER\s/i.test(line))
    .map((line) => line.replace(/^USER\s+/i, '').trim())
    .at(-1);
  if (user === undefined) throw new Error('the final stage has no USER: the image runs as its base image\'s user');
  if (user.includes('$')) throw new Error(`USER ${user} depends on a build variable`);
  return user;
}
