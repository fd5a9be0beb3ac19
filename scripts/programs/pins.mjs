// pins.mjs - the exact sources of the programs that are not ours, each checked by SHA-256 before
// anything is built from it (sources.mjs fetches them). To move to a new version, change it here:
// the build keys include the version (sourceId), so everything built from the old one is rebuilt.

// SQLite: the npm package sqlite3 (node-sqlite3, BSD-3-Clause) ships SQLite's own autoconf
// tarball, whose shell.c and sqlite3.c (public domain) are built.
export const sqlite = {
  npm: 'sqlite3@6.0.1',
  tarball: 'sqlite3-6.0.1.tgz',
  sha256: 'ab8d044a93e05bd031d7ea75547c7fa60387cdc259d27f93c0e3e2832c4b1df9',
  inner: 'package/deps/sqlite-autoconf-3520000.tar.gz',
  innerSha256: 'f6b50b0c103392af32a8be15b2b9d25959de9a00a70c3979128aafeaa5338b3f',
  dir: 'sqlite-autoconf-3520000', // what the inner tarball unpacks to
};

// zlib (zlib licence) and Lua (MIT) from Debian 12's source packages, Debian's patches applied.
// files: what 'apt-get source' downloads, the .dsc first (dpkg-source -x unpacks from it).
export const zlib = {
  package: 'zlib',
  version: '1:1.2.13.dfsg-1',
  files: {
    'zlib_1.2.13.dfsg-1.dsc': '3fa1e6b2fc525062aa88207dda52fed8e045373c809d362fe8a2bfbf7cf515a8',
    'zlib_1.2.13.dfsg.orig.tar.bz2':
      '71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1',
    'zlib_1.2.13.dfsg-1.debian.tar.xz':
      'f66cf3d4f2d7defcd4d1fd1fb0a11ee39f1e01b42ec7d059c9dc5c1695133c44',
  },
  dir: 'zlib-1.2.13.dfsg-1',
};

export const lua = {
  package: 'lua5.4',
  version: '5.4.4-3+deb12u1',
  files: {
    'lua5.4_5.4.4-3+deb12u1.dsc':
      'd47c50154294a68c8a209c5d61bc09e5b22891c01b7c47501ac3f9725eb4a813',
    'lua5.4_5.4.4.orig.tar.gz': '164c7849653b80ae67bec4b7473b884bf5cc8d2dca05653475ec2ed27b9ebf61',
    'lua5.4_5.4.4-3+deb12u1.debian.tar.xz':
      '2d8e0e380722c648cfeffb8d58287865619b4d035544d93d7ef3a2eaf627abe6',
  },
  dir: 'lua5.4-5.4.4-3+deb12u1',
};

// What names a source in the build keys.
export function sourceId(pin) {
  return pin.npm ? `${pin.npm} ${pin.dir}` : `${pin.package} ${pin.version}`;
}
