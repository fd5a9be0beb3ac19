// hash.mjs - SHA-256, for the pinned sources' checksums and for the build cache's keys.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

function sha256(data) {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256OfFile(file) {
  return sha256(readFileSync(file));
}

// The 16 hex digits that name a cache entry (a build, an input file): short paths, and 64 bits
// are plenty to tell a handful of builds apart.
export function shortHash(data) {
  return sha256(data).slice(0, 16);
}
