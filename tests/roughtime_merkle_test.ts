/**
 * The Merkle tree behind batched signing: trees of 1, 2, 3 and 64 leaves
 * (and the odd sizes between), every path verified, and corrupted paths
 * and indices rejected.
 */

import assert from "node:assert/strict";
import {
  buildMerkleTree,
  merkleLeaf,
  merkleNode,
  merkleRootFromPath,
} from "../src/protocols/roughtime/mod.ts";

function leaves(count: number, size = 32): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new Uint8Array(size).fill(i + 1));
}

Deno.test("buildMerkleTree() of one leaf has the leaf hash as root and empty paths", async () => {
  const [leaf] = leaves(1);
  const tree = await buildMerkleTree([leaf], 32);
  assert.deepEqual(tree.root, await merkleLeaf(leaf, 32));
  assert.equal(tree.path(0).length, 0);
});

Deno.test("buildMerkleTree() of two leaves hashes 0x01 ‖ left ‖ right", async () => {
  const data = leaves(2);
  const tree = await buildMerkleTree(data, 32);
  const [a, b] = await Promise.all(data.map((d) => merkleLeaf(d, 32)));
  assert.deepEqual(tree.root, await merkleNode(a, b, 32));
  assert.deepEqual(tree.path(0), b);
  assert.deepEqual(tree.path(1), a);
});

Deno.test("buildMerkleTree() of three leaves pads the odd level with its first node", async () => {
  const data = leaves(3);
  const tree = await buildMerkleTree(data, 32);
  const [a, b, c] = await Promise.all(data.map((d) => merkleLeaf(d, 32)));
  const left = await merkleNode(a, b, 32);
  const right = await merkleNode(c, a, 32);
  assert.deepEqual(tree.root, await merkleNode(left, right, 32));
  assert.deepEqual(tree.path(2), new Uint8Array([...a, ...left]));
});

Deno.test("buildMerkleTree() gives every leaf of trees of 1 to 9 and 64 leaves a path to the root", async () => {
  for (const size of [1, 2, 3, 4, 5, 6, 7, 8, 9, 64]) {
    for (const hashBytes of [32, 64]) {
      const data = leaves(size);
      const tree = await buildMerkleTree(data, hashBytes);
      const depth = Math.ceil(Math.log2(size));
      for (let i = 0; i < size; i++) {
        const path = tree.path(i);
        assert.equal(path.length, depth * hashBytes, `size ${size} leaf ${i}`);
        const root = await merkleRootFromPath(data[i], i, path, hashBytes);
        assert.deepEqual(root, tree.root, `size ${size} leaf ${i} hash ${hashBytes}`);
      }
    }
  }
});

Deno.test("merkleRootFromPath() misses the root when the path, index or leaf is corrupted", async () => {
  const data = leaves(64);
  const tree = await buildMerkleTree(data, 32);
  const path = tree.path(37);
  const flipped = path.slice();
  flipped[70] ^= 1;
  assert.notDeepEqual(await merkleRootFromPath(data[37], 37, flipped, 32), tree.root);
  assert.notDeepEqual(await merkleRootFromPath(data[37], 36, path, 32), tree.root);
  assert.notDeepEqual(await merkleRootFromPath(data[38], 37, path, 32), tree.root);
  assert.notDeepEqual(await merkleRootFromPath(data[37], 37, path.subarray(32), 32), tree.root);
});

Deno.test("merkleRootFromPath() refuses leftover INDX bits and ragged paths", async () => {
  const data = leaves(2);
  const tree = await buildMerkleTree(data, 32);
  assert.equal(await merkleRootFromPath(data[0], 2, tree.path(0), 32), null);
  assert.equal(await merkleRootFromPath(data[0], 0, tree.path(0).subarray(1), 32), null);
});

Deno.test("merkleRootFromPath() in node-first order reads INDX bits the other way round", async () => {
  const data = leaves(4);
  const tree = await buildMerkleTree(data, 32);
  // Node-first with the complemented index walks the same tree.
  assert.deepEqual(await merkleRootFromPath(data[1], 2, tree.path(1), 32, "node-first"), tree.root);
  assert.notDeepEqual(
    await merkleRootFromPath(data[1], 1, tree.path(1), 32, "node-first"),
    tree.root,
  );
});

Deno.test("buildMerkleTree() refuses an empty batch and path() an index outside the tree", async () => {
  assert.throws(() => buildMerkleTree([], 32), RangeError);
  const tree = await buildMerkleTree(leaves(3), 32);
  assert.throws(() => tree.path(3), RangeError);
});
