/**
 * Published Roughtime test vectors, transcribed from their sources:
 *
 * - Cloudflare's `protocol/testdata/roughtime_{google,ietf_draft08,ietf_draft11}_001.json`
 *   and `roughtime_ietf_draft11_010.json` (github.com/cloudflare/roughtime),
 *   made by its `gen_test_vectors.go`: fixed root and online seeds, MINT 0,
 *   MAXT 100 s, MIDP 50 s, radius 5 s, and a deterministic nonce stream, so
 *   a responder given the same inputs must produce the same bytes.
 * - Appendix B of draft-ietf-ntp-roughtime-19 (RFC 10049): a malfeasance
 *   report of three chained version-1 exchanges with real servers.
 * - Botan's `src/tests/data/roughtime/roughtime_response.vec`: real
 *   Google-Roughtime answers, with batches of 1, 2 and 4.
 *
 * Requests are mostly zero padding; they are stored as their non-zero
 * prefix and rebuilt to their full length.
 *
 * @module
 */

/** Hex to bytes. */
export function hex(text: string): Uint8Array {
  return Uint8Array.fromHex(text.replace(/\s+/g, "").toLowerCase());
}

/** A hex prefix padded with zero bytes to `length`. */
export function zeroPadded(prefix: string, length: number, suffix = ""): Uint8Array {
  const head = hex(prefix);
  const tail = hex(suffix);
  const out = new Uint8Array(length);
  out.set(head, 0);
  out.set(tail, length - tail.length);
  return out;
}

/** The start of a base64 text whose remainder is all `A` (zero bytes), rebuilt to `length` bytes. */
function base64ZeroPadded(head: string, length: number): Uint8Array {
  let text = head.replace(/\s+/g, "");
  while (text.length % 4 !== 0) text += "A";
  const bytes = Uint8Array.fromBase64(text);
  const out = new Uint8Array(length);
  out.set(bytes, 0);
  return out;
}

/** Base64 over several lines, as printed in the draft. */
function base64(text: string): Uint8Array {
  return Uint8Array.fromBase64(text.replace(/\s+/g, ""));
}

/** Cloudflare's generator: the root seed. */
export const CLOUDFLARE_ROOT_SEED = hex(
  "d102b712f341204711daaf20e0d13557a37073e9c25325c1c6bda876eb2d6a2d",
);
/** Cloudflare's generator: the online key seed. */
export const CLOUDFLARE_ONLINE_SEED = hex(
  "613bbf61d362d6474041486a9440feeb7cc71b48951a30e7b0190be42bc7a5ab",
);
/** Cloudflare's generator: MINT 0, MAXT 100 s, MIDP 50 s, radius 5 s. */
export const CLOUDFLARE_WINDOW = { minSeconds: 0, maxSeconds: 100 } as const;
/** Cloudflare's generator's MIDP. */
export const CLOUDFLARE_NOW = { seconds: 50, nanos: 0 } as const;
/** Cloudflare's generator's radius, microseconds. */
export const CLOUDFLARE_RADIUS_MICROS = 5_000_000;

/** The nonce of the `_001` vectors of every IETF draft (the generator's first random bytes). */
export const CLOUDFLARE_IETF_NONCE = hex(
  "cbc848bc48dc3e129525ff673435ee04bb08976d51c84c650e1cf3785cce0f4a",
);

/** roughtime_google_001.json */
export const CLOUDFLARE_GOOGLE_001 = {
  nonce: hex(
    "f89428abb78e85915ed2ec40007b9294082879882bb38ac1794b2ce99356b32d" +
      "a8f84f3574ad023f6eea9e6cdd0945de911f58fdf5f913aff723a49f03bdf43e",
  ),
  request: zeroPadded(
    "02000000400000004e4f4e43504144ff" +
      "f89428abb78e85915ed2ec40007b9294082879882bb38ac1794b2ce99356b32d" +
      "a8f84f3574ad023f6eea9e6cdd0945de911f58fdf5f913aff723a49f03bdf43e",
    1024,
  ),
  reply: hex(
    "050000004000000040000000a40000003c01000053494700504154485352455043455254494e4458" +
      "a81e4c68ccee770c1a1b14e7edaad55490f02312e915680a5035ea250697a4c1735fc5157f5f266a92a95f2f0b928de32a04df0d51000bfa935c60ff38f6bf01" +
      "03000000040000000c000000524144494d494450524f4f54404b4c0080f0fa0200000000" +
      "f618e3040b8a0e3d33093b11aeb99e99c345de0c2ad20be2f583758a0d0d2f68fdfb7a17e192e9dae6f3daca34446a5c02b0a076250c45f4046d4dc326a78592" +
      "02000000400000005349470044454c45" +
      "0edc41a4fdd9250f9bd7ccf4e48f5fb0ad77c44363d41c59ce9fafeaeb979096548e90828fb329a491a9083b2ccf43c9de24b3575b00a454075b35e523f8dd02" +
      "0300000020000000280000005055424b4d494e544d415854" +
      "81d19b7ff58d408302a83f24da533dde16b71f80f8c1b8ce2798ae1571de3779" +
      "000000000000000000e1f50500000000" +
      "00000000",
  ),
};

const CLOUDFLARE_IETF_CERT = "02000000400000005349470044454c45" +
  "723fdab135deedb4d1e2ee7e8254881463fda216bd901421ef26b3046eae88937b4346cba4d5d2c33917be636e2e4c883db231ccdbb87d902f8f86f7c216ea00" +
  "0300000020000000280000005055424b4d494e544d415854" +
  "81d19b7ff58d408302a83f24da533dde16b71f80f8c1b8ce2798ae1571de3779" +
  "00000000000000006400000000000000";

/** roughtime_ietf_draft08_001.json (the version with `VER\0`). */
export const CLOUDFLARE_DRAFT08_001 = {
  request: zeroPadded(
    "524f55474854494df4030000030000000400000024000000564552004e4f4e435a5a5a5a" +
      "08000080cbc848bc48dc3e129525ff673435ee04bb08976d51c84c650e1cf3785cce0f4a",
    1024,
  ),
  reply: hex(
    "524f55474854494d540100000600000040000000440000004400000088000000200100005349470056455200504154485352455043455254494e4458" +
      "4c274e9d3b48a6e4f4ddcb10f52d9bf6264c28136717c99568e9a807aaf800572c7c34c89267fea1b9ff29ce9a986c5a8eb43664612e09ec8e2aaee21bed0406" +
      "08000080" +
      "03000000040000000c000000524144494d494450524f4f54050000003200000000000000" +
      "af1d404574c9b4464e2a601bf47ae118080b007b96c1c2d1c8d7576cef40e360" +
      CLOUDFLARE_IETF_CERT +
      "00000000",
  ),
};

/** roughtime_ietf_draft11_001.json */
export const CLOUDFLARE_DRAFT11_001 = {
  request: zeroPadded(
    "524f55474854494df40300000400000004000000240000004400000056455200535256004e4f4e435a5a5a5a" +
      "0b000080" +
      "53ca8a87ea8b39253a9bef995703eb3c07a34bc138d5971c15c45a89b6364b34" +
      "cbc848bc48dc3e129525ff673435ee04bb08976d51c84c650e1cf3785cce0f4a",
    1024,
  ),
  reply: hex(
    "524f55474854494d540100000600000040000000440000004400000088000000200100005349470056455200504154485352455043455254494e4458" +
      "4c274e9d3b48a6e4f4ddcb10f52d9bf6264c28136717c99568e9a807aaf800572c7c34c89267fea1b9ff29ce9a986c5a8eb43664612e09ec8e2aaee21bed0406" +
      "0b000080" +
      "03000000040000000c000000524144494d494450524f4f54050000003200000000000000" +
      "af1d404574c9b4464e2a601bf47ae118080b007b96c1c2d1c8d7576cef40e360" +
      CLOUDFLARE_IETF_CERT +
      "00000000",
  ),
};

/** The SRV value in the draft-11 request: H(0xff ‖ the root public key). */
export const CLOUDFLARE_SRV = hex(
  "53ca8a87ea8b39253a9bef995703eb3c07a34bc138d5971c15c45a89b6364b34",
);

const D = "d19fcf2b281989a92b965279e95b26e58abb7394e87f84de10b4ce76322af72f";
const F = "f4540a284391cce470335335d184d61ef276cd46149cc707fede692144a4a8a8";
const G = "4007a77893878b56f4c63e0b3d470b24e2f35fad2850885503f7a79444d927e4";
const H = "191b91a4bcdfd949aec4437c01e4e748908a6c56addef3a4c71ddc7b08985f86";
const K = "998414bf0d56b4950612d936300acfe0d7a38dd0aa59c92a7af6e4d3ac2b8707";
const L = "5fb3fe4264ca2aa3503abb6ab27ca452fa3ae2ee50a05a9667382f9391728a86";
const M = "6914ea5992d7b07488504f3fa20bafe4ede0c2c22a53b885cea509e09d3c6c1f";
const N = "4b1aabe653c725a14c62278ed6c8957861cea2f4fecb0733011090b33bb0aa71";

/** roughtime_ietf_draft11_010.json: ten requests answered under one signature. */
export const CLOUDFLARE_DRAFT11_010 = {
  nonces: [
    "714c361dd11cc906b6c5790afe89c4dbcbc668bac1e733b4191e701930e45ab0",
    "33d5f4be7099d06a49a3f627649a3298182f9b925ccc9eada68be265752b2f29",
    "8f2b7a56089960389566b9059757386aa3f8fbbfeba7aca1186e92d993a81513",
    "2cfb82d050cdfe8735060b5385f918e19001b88c60d824e10b1837a9ba2c520d",
    "05ebaedb9b8081e84148bc7b6a52bbc14261fa12dfe49f09d14fe3e5ad12148a",
    "91238ed385ac9052b16c43edbc36b55f8eff55207c72fdfe6984515cb5c696bf",
    "575776c802426bb7a4c9733563babed21ce8aa5348d6a37c72cc67c8dcd2a3f5",
    "3655d96bfbfb991ad60747199e7d4cb9d7bd8528bb4183688e19037f005fcb7d",
    "7c355ddbe7cb1f24a49bbdbb3b92288f60d4129525ccb3551af75ab2c3614f37",
    "33b774a87d97fed31b800141aeaa4524f67df89b48c674558de1f47f9aa2301c",
  ],
  /** The request with nonce `n`. */
  request(nonce: string): Uint8Array {
    return zeroPadded(
      "524f55474854494df40300000400000004000000240000004400000056455200535256004e4f4e435a5a5a5a" +
        "0b000080" + CLOUDFLARE_SRV.toHex() + nonce,
      1024,
    );
  },
  paths: [
    "83ddcd6280e78b912424474f85921da9b6a5c39ddb46e4e6ab4e092c9ef9db8f" + F + G + K,
    "a499d257d55115634f86e67f6ade5741003b0fb3ee778a7a403d7745fdfc70e9" + F + G + K,
    "c72d6708469de8e9e8f354b65b60b0f94780d530c4336aa1f69e2afba14efdb4" + D + G + K,
    "dd039c7d46dc2eaea00912e95a11258173a63709ed899f74798d400666525470" + D + G + K,
    "3250700b2948d597d6b6213a78ac41535bacbbe46d3163272ad74ff582bd66b9" + M + H + K,
    "a58520bfd4f568df8d9ffdf4edeb3e90d429cce40ce944c72ff42c9a280c39b3" + M + H + K,
    "079d1a3fcd6449b5723e0484a8922ab7e79535a478e1f3041489bae195667ea6" + N + H + K,
    "970ae2fc11ca2959d969c18fe54efcae5b5dc53eb8d2beb5b2be3fc10baee548" + N + H + K,
    "db9a0b42b92049c8cb90ece4476570fe9e49fa50619d8e41dfc4f8529014ab17" + D + H + L,
    "2f4ee8946b64b69474b54a99c12b7cb0ff65fb0c14d991873f99cad918ad1beb" + D + H + L,
  ],
  /** Reply `index`: everything but PATH and INDX is shared. */
  reply(index: number): Uint8Array {
    return hex(
      "524f55474854494dd4010000060000004000000044000000c400000008010000a00100005349470056455200504154485352455043455254494e4458" +
        "d454743b3b939e0bb1d969f676cdbc8cfd3ca80f05bd128f84f38b5a143ef9f280978731f4ac5485abf821ce05ccb51b2d6b087658c636be42c015726373d802" +
        "0b000080" +
        this.paths[index] +
        "03000000040000000c000000524144494d494450524f4f54050000003200000000000000" +
        "c8142bb32b76a218a945f027769e141bf0c349a0d915e28a2208d44f230a814b" +
        CLOUDFLARE_IETF_CERT +
        index.toString(16).padStart(2, "0") + "000000",
    );
  },
};

/** One exchange of draft-19's Appendix B. */
export interface AppendixBExchange {
  /** The server's long-term public key. */
  readonly publicKey: Uint8Array;
  /** The rand its nonce was derived with; null for the first. */
  readonly rand: Uint8Array | null;
  /** The request, 1036 bytes. */
  readonly request: Uint8Array;
  /** The response. */
  readonly response: Uint8Array;
}

/** draft-ietf-ntp-roughtime-19, Appendix B: three chained version-1 exchanges. */
export const DRAFT19_APPENDIX_B: readonly AppendixBExchange[] = [
  {
    publicKey: base64("FnDyLV/68ephhLdFJbdEGCdkVvpXDaVe5PYvRDdlOOY="),
    rand: null,
    request: base64ZeroPadded(
      `Uk9VR0hUSU0ABAAABQAAAAQAAAAkAAAARAAAAEgAAABWRVIAU1JW
      AE5PTkNUWVBFWlpaWgEAAACf4gKLPdPfiNTv93lrhNqYgyehDgMyHFmA1BrAhM1QEDBh9l
      BlN6LUye6zghiqSWMwyNm0IucxQxW3zTMrwj4d`,
      1036,
    ),
    response: base64(
      `Uk9VR0hUSU2UAQAABwAAAEAAAABgAAAAZAAAAGQAAADAAAAAWAE
      AAFNJRwBOT05DVFlQRVBBVEhTUkVQQ0VSVElORFhBWL64CToGs4v/4UtfN/80HLFiA09vG
      IDRP/zTjcTj8/1DlZWCsVja6RlfwaYnc1wfJqThfhcuSDonrTGyKngBMGH2UGU3otTJ7rO
      CGKpJYzDI2bQi5zFDFbfNMyvCPh0BAAAABQAAAAQAAAAIAAAAEAAAABQAAABWRVIAUkFES
      U1JRFBWRVJTUk9PVAEAAAADAAAAQ0u4aQAAAAABAAAAc86AWYB/O3Kxzsx4d5P5cbSOftJ
      UA8bWVtVrQ3tc+b0CAAAAQAAAAFNJRwBERUxFI2B5tbj5ePjVKYE0PAL1NmgZOAsqh/E2f
      rom9Ol5BAnVcLje0C6exbXY8hE3dRvYV01Alru8Ocle+jOZT5r8AwMAAAAgAAAAKAAAAFB
      VQktNSU5UTUFYVKqljhhqi4A54vW20e+slwViPyxybNnqKXzimIiIUHQMaBCvaQAAAADYy
      d9pAAAAAAAAAAA=`,
    ),
  },
  {
    publicKey: base64("l9cdSuR8dFxtG9aJo9pWzUXaX8pftNG4UDC45Qk3znc="),
    rand: base64("v/DirVBRQLGtictYD7mN3px02UlMT4J3haTRomt1NNM="),
    request: base64ZeroPadded(
      `Uk9VR0hUSU0ABAAABQAAAAQAAAAkAAAARAAAAEgAAABWRVIAU1JW
      AE5PTkNUWVBFWlpaWgEAAABFCvadUKPN/U9OXqFalVFnv/EhsAuPPpBYfo5MDULZKv335k
      bNTZcsYLM96o77yLbvvRk1fm2TQB4yKxbP1jze`,
      1036,
    ),
    response: base64(
      `Uk9VR0hUSU2UAQAABwAAAEAAAABgAAAAZAAAAGQAAADAAAAAWAE
      AAFNJRwBOT05DVFlQRVBBVEhTUkVQQ0VSVElORFj+2I02cCBAfDYzP+8znW6bICqVrAF23
      xNLfM+Qycmkpfp1+BQSb4l/6mRll66l2VIfPSQzigl2V5OJgQzGEBcG/ffmRs1Nlyxgsz3
      qjvvItu+9GTV+bZNAHjIrFs/WPN4BAAAABQAAAAQAAAAIAAAAEAAAABQAAABWRVIAUkFES
      U1JRFBWRVJTUk9PVAEAAAADAAAAw/m2aQAAAAABAAAAS8ROJoXIPSlO9yN+uREb+/UiOJJ
      qCjx3VWZ/vD2FqBMCAAAAQAAAAFNJRwBERUxFw0MFQMiDoHySot8rlnV83Vqaa3qTrAY15
      W1TzqNuAurOvreNw08BfUwxF7BQ/b/JCwCQcqtD5uRYsvikvuyLCwMAAAAgAAAAKAAAAFB
      VQktNSU5UTUFYVCQs/eCxtWjVrXyse0SeojyZdNFkOwe3B3nLHtHJZK/9gRCvaQAAAADxy
      d9pAAAAAAAAAAA=`,
    ),
  },
  {
    publicKey: base64("lRhHag6fn2wZQ6idy10ChgpRgks3gvdMM2hWNeJNgXg="),
    rand: base64("lMvMVoLsakxc5ZmMzEFQ8hh1FaDo2gCXXIX/L4QPSxQ="),
    request: base64ZeroPadded(
      `Uk9VR0hUSU0ABAAABQAAAAQAAAAkAAAARAAAAEgAAABWRVIAU1JW
      AE5PTkNUWVBFWlpaWgEAAADmAab6GlTSr3xRmwwwvRjW6EKRhtyWYYWZHZIGnF8w2b4DuI
      ICvoCWTwCaupBfcOEwV+RqBWB6L1JUGn+ot8+9`,
      1036,
    ),
    response: base64(
      `Uk9VR0hUSU2UAQAABwAAAEAAAABgAAAAZAAAAGQAAADAAAAAWAE
      AAFNJRwBOT05DVFlQRVBBVEhTUkVQQ0VSVElORFg8MlhdCJeQ2qzN6b9q646W9kB+XmAdS
      g7ToU1gj3AD8AP8eCHfduMBE0E8j4/LqWIr72zWQx8Y1U/1uxs97yMAvgO4ggK+gJZPAJq
      6kF9w4TBX5GoFYHovUlQaf6i3z70BAAAABQAAAAQAAAAIAAAAEAAAABQAAABWRVIAUkFES
      U1JRFBWRVJTUk9PVAEAAAADAAAAw/m2aQAAAAABAAAA6ho4+0Cml+VJbqU7hsF717uusV2
      HYvRbU9CdjJE/Zn0CAAAAQAAAAFNJRwBERUxFM9Fvq8T9kOrxcS7jviCPHe44HX/75Je1h
      afPJ0f8NoASy29EgD7C0c/LMxXiXxEwyuxYTPN9oseAr9XIt68uDwMAAAAgAAAAKAAAAFB
      VQktNSU5UTUFYVMxBDiNG247IO4onsGcjFHsA3vP+arl+s0lBLhXw0c1RlBCvaQAAAAAEy
      t9pAAAAAAAAAAA=`,
    ),
  },
];

/** One real Google-Roughtime answer from Botan's vectors. */
export interface BotanGoogleVector {
  /** What the vector shows. */
  readonly name: string;
  /** The 64-byte nonce sent. */
  readonly nonce: Uint8Array;
  /** The server's long-term public key. */
  readonly publicKey: Uint8Array;
  /** MIDP, microseconds. */
  readonly midpointMicros: bigint;
  /** RADI, microseconds. */
  readonly radiusMicros: number;
  /** The answer. */
  readonly response: Uint8Array;
}

const BOTAN_CERT_2019 = "02000000400000005349470044454C45" +
  "7865CA05DFFED083CF78A50A24A7D00E7AC2AC27449C9A8CFDA496DBE8ACC74C2C7B766449CBD085AE88C40627EAE8D0F9D07EC30F4D8F37ABB17842ABDC380A" +
  "0300000020000000280000005055424B4D494E544D415854" +
  "A9600D58ECE49A48410ABB4F20FDA858ADF5BE3CCCFF09B4ED028DC76A595656" +
  "0000000000000000FFFFFFFFFFFFFFFF";

/** Botan's valid Google-Roughtime vectors: one leaf, and batches of 2 and 4. */
export const BOTAN_GOOGLE: readonly BotanGoogleVector[] = [
  {
    name: "a batch of one",
    nonce: hex(
      "83ED2ACE13F29CF02EFB939A6EC79A4BBB7BE7D9E5854FD083FDB01E64BBDBDF" +
        "EDA23A9FB9EA4BD02F469FFAD10CDD58D049D44E1EB74FA5697A098674546D6D",
    ),
    publicKey: hex("803eb78528f749c4bec2e39e1abb9b5e5ab7e4dd5ce4b6f2fd2f93ecc3538f1a"),
    midpointMicros: 1550755344243000n,
    radiusMicros: 1_000_000,
    response: hex(
      "050000004000000040000000A40000003C01000053494700504154485352455043455254494E4458" +
        "89AD80EC2EF7E507FD68E4B88F6DB48020807749BCAE886FE8221D31B5EC070FEB25E401FD746D9C2C995B354FFED67F8FC05B56F4844502F632EAD44FD7140E" +
        "03000000040000000C000000524144494D494450524F4F5440420F0038596D5D67820500" +
        "8DC2277E99668AF765D3D7372D915B904AD6CEB0BAA4262E194C894C0634936DA2CCD92ADBA30FF286ADF5EBF68A5E7BE43559A6226BD3500DDA16083C11C2A2" +
        "02000000400000005349470044454C45" +
        "A82675D99316586079BDDF8965030CEA112DAAC1D9EADE089CFB7B7C9ABF7D9F87FFDFBB958FCBAC5BE082FBFC110E8B75E11ECEA3DD6D91348AFADCC045260A" +
        "0300000020000000280000005055424B4D494E544D415854" +
        "68B3FAF25B844DE2860ECC833283DEBE12A2852E195758B03AA8E39B5247F35E" +
        "30DFFF4B5E820500303FD76972820500" +
        "00000000",
    ),
  },
  {
    name: "a batch of two",
    nonce: hex(
      "8FEBCFDCB149EA09E96405547F5360A2C243169F3243B8BA16B962CC94EF62E5" +
        "E1A619EA25A18B8F324A63B85B615285A17065BE94592D8C1FDF3FAFF279A6E8",
    ),
    publicKey: hex("6f79ced1b4d650a7bb23325b68a9866da2cf33ffd89f073933a5a6107d55aca1"),
    midpointMicros: 1550830411384409n,
    radiusMicros: 1_000_000,
    response: hex(
      "050000004000000080000000E40000007C01000053494700504154485352455043455254494E4458" +
        "357CD0583B97ADFFB7AB5EFD932661366EEFD6AB5B204FAB2CBD9F1CFBE2314FD953CCC66E280307BB30C004A838202EE12BBAC5CA6BE0D179C13441072A8102" +
        "FD2915F34A58CB40516E2731B2884051482D829F7A996EC3D1BF7367CE40AB8EF28C8BD6A04063F0BE45FBBBF3C79332CCE35E82E783800B6B1E814ECE7C8159" +
        "03000000040000000C000000524144494D494450524F4F5440420F005906C7D778820500" +
        "FB6AF62DD67A7EFA90E64E26DE4B93FB6A3455DA1C73ABE30CFA6FA0BCAD1E56F4C133BAE1FE959EECFF6F674A8FFC95148E723C8D08510C2394326A3C595D92" +
        BOTAN_CERT_2019 +
        "01000000",
    ),
  },
  {
    name: "a batch of four",
    nonce: hex(
      "92DD76EC9302DA565A14D4B7C71AF005DBB51DFE50A931E4BF25925BB9667066" +
        "E4E593EB8332A57F4CFA14074210AAC5D43A9E4CC13FE5889E9DE0C428AA9D5D",
    ),
    publicKey: hex("6f79ced1b4d650a7bb23325b68a9866da2cf33ffd89f073933a5a6107d55aca1"),
    midpointMicros: 1550830502590635n,
    radiusMicros: 1_000_000,
    response: hex(
      "0500000040000000C000000024010000BC01000053494700504154485352455043455254494E4458" +
        "3C6348F53968422316DEF44BAAB1D0C55C695B12FA0DC12955DD41768CAE75171C411AB3F39B9B39A0A5F55739B23DA8C9C8AA13EFAFFA36C53B3A5D4C9EB309" +
        "709B0F0EA767A0A40ECC06F9AD5D0EE93C4DC95E19A43EF2A92851E3D5CD92EE16FF096C0AC926BBEC6226CF7A15D2C6AB7154D2D4638E17CB01CAE047B9B412" +
        "B367367A74718F21F1A12318E1EC8FDAAE1D3912F9588EF42A8C2F3F2EF27D45DB472770465181672BB9BC1E306D4767E6EE9D3542C603200127E2D8EBF5C299" +
        "03000000040000000C000000524144494D494450524F4F5440420F00ABB836DD78820500" +
        "D85F9F5E8879DD9D5F5130E4F3A8B250FAC244754BA536D2C24D08E59C5CEADA79966B39C10E8678C94529F7790421C4AD490FA43A208D9AEF0BB1DE4252F942" +
        BOTAN_CERT_2019 +
        "02000000",
    ),
  },
];
