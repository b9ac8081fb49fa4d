/**
 * The Merkle tree that lets one signature cover a batch of requests
 * (draft-19 §5.3): leaves are H(0x00 ‖ leaf data), inner nodes
 * H(0x01 ‖ left ‖ right), and each response carries its leaf's index
 * (INDX) and the siblings on the way up (PATH).
 *
 * A level of odd width is padded with a copy of its first node, as
 * Google's and Cloudflare's servers do, so a batch of any size gives the
 * same root and paths as theirs.
 *
 * Reading INDX: bit k (least significant first) says on which side the
 * running hash h sits at step k. clockd writes the convention of Google,
 * Cloudflare and draft-16 onwards ("hash first": bit 0 means h is the left
 * child, h = H(0x01 ‖ h ‖ node)). The texts of drafts 05 to 15 swap the two
 * cases ("node first"); a client may accept either for those versions.
 *
 * @module
 */

import { roughtimeHash } from "./hash.ts";

/** Which child the running hash is when the current INDX bit is 0. */
export type MerkleOrder = "hash-first" | "node-first";

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/**
 * A leaf's hash: H(0x00 ‖ data).
 *
 * @param data The nonce, or the whole request packet (draft-12 onwards).
 * @param hashBytes 32, or 64 for Google-Roughtime.
 * @returns The leaf hash.
 *
 * @example Usage
 * ```ts
 * import { merkleLeaf } from "./merkle.ts";
 * if ((merkleLeaf(new Uint8Array(32), 32)).length !== 32) throw new Error();
 * ```
 */
export function merkleLeaf(data: Uint8Array, hashBytes: number): Uint8Array {
  return roughtimeHash(hashBytes, LEAF_PREFIX, data);
}

/**
 * An inner node's hash: H(0x01 ‖ left ‖ right).
 *
 * @param left The left child.
 * @param right The right child.
 * @param hashBytes 32, or 64 for Google-Roughtime.
 * @returns The node hash.
 *
 * @example Usage
 * ```ts
 * import { merkleNode } from "./merkle.ts";
 * const a = new Uint8Array(32), b = new Uint8Array(32).fill(1);
 * if ((merkleNode(a, b, 32)).join() === (merkleNode(b, a, 32)).join()) throw new Error();
 * ```
 */
export function merkleNode(
  left: Uint8Array,
  right: Uint8Array,
  hashBytes: number,
): Uint8Array {
  return roughtimeHash(hashBytes, NODE_PREFIX, left, right);
}

/** A built tree: its root, and the proof for each leaf. */
export interface MerkleTree {
  /** The root hash (ROOT). */
  readonly root: Uint8Array;
  /** How many leaves it has. */
  readonly size: number;
  /**
   * The PATH value of leaf `index`: its siblings from the bottom up, concatenated.
   *
   * @param index 0 to size - 1.
   * @returns The path bytes (empty for a one-leaf tree).
   */
  path(index: number): Uint8Array;
}

/**
 * Builds the tree over a batch.
 *
 * @param leafData One entry per request: its nonce, or its whole packet.
 * @param hashBytes 32, or 64 for Google-Roughtime.
 * @returns The tree.
 * @throws {RangeError} On an empty batch.
 *
 * @example Usage
 * ```ts
 * import { buildMerkleTree, merkleRootFromPath } from "./merkle.ts";
 * const leaves = [1, 2, 3].map((n) => new Uint8Array(32).fill(n));
 * const tree = buildMerkleTree(leaves, 32);
 * const root = merkleRootFromPath(leaves[2], 2, tree.path(2), 32);
 * if (root?.join() !== tree.root.join()) throw new Error();
 * ```
 */
export function buildMerkleTree(
  leafData: readonly Uint8Array[],
  hashBytes: number,
): MerkleTree {
  if (leafData.length === 0) throw new RangeError("a Merkle tree needs at least one leaf");
  let level = leafData.map((data) => merkleLeaf(data, hashBytes));
  const levels: Uint8Array[][] = [];
  while (level.length > 1) {
    if (level.length % 2 === 1) level.push(level[0]);
    levels.push(level);
    const parents: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      parents.push(merkleNode(level[i], level[i + 1], hashBytes));
    }
    level = parents;
  }
  const root = level[0];
  return {
    root,
    size: leafData.length,
    path(index: number): Uint8Array {
      if (!Number.isInteger(index) || index < 0 || index >= leafData.length) {
        throw new RangeError(`leaf ${index} is not in a tree of ${leafData.length}`);
      }
      const out = new Uint8Array(levels.length * hashBytes);
      let at = index;
      for (let i = 0; i < levels.length; i++) {
        out.set(levels[i][at ^ 1], i * hashBytes);
        at >>= 1;
      }
      return out;
    },
  };
}

/**
 * The root a leaf and its proof lead to (draft-19 §5.3.1).
 *
 * @param leafData The leaf's data: the nonce, or the whole request packet.
 * @param index The INDX value.
 * @param path The PATH value: a whole number of hashes.
 * @param hashBytes 32, or 64 for Google-Roughtime.
 * @param order How INDX bits are read (see the module documentation).
 * @returns The root, or null when the path is not a whole number of
 *   hashes or INDX has bits left over once the path is used up.
 *
 * @example Usage
 * ```ts
 * import { merkleLeaf, merkleRootFromPath } from "./merkle.ts";
 * const nonce = new Uint8Array(32);
 * const root = merkleRootFromPath(nonce, 0, new Uint8Array(0), 32);
 * if (root?.join() !== (merkleLeaf(nonce, 32)).join()) throw new Error();
 * if (merkleRootFromPath(nonce, 1, new Uint8Array(0), 32) !== null) throw new Error();
 * ```
 */
export function merkleRootFromPath(
  leafData: Uint8Array,
  index: number,
  path: Uint8Array,
  hashBytes: number,
  order: MerkleOrder = "hash-first",
): Uint8Array | null {
  if (path.length % hashBytes !== 0) return null;
  let hash = merkleLeaf(leafData, hashBytes);
  let bits = index >>> 0;
  for (let at = 0; at < path.length; at += hashBytes) {
    const node = path.subarray(at, at + hashBytes);
    const hashOnLeft = ((bits & 1) === 0) === (order === "hash-first");
    hash = hashOnLeft ? merkleNode(hash, node, hashBytes) : merkleNode(node, hash, hashBytes);
    bits >>>= 1;
  }
  return bits === 0 ? hash : null;
}
