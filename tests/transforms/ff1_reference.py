"""
A slow FF1 written straight from NIST SP 800-38G Rev. 1, to test `fpe.FF1` against.

Algorithm 7 (FF1.Encrypt) and Algorithm 8 (FF1.Decrypt), step by step, with
the standard's own names (u, v, A, B, b, d, P, Q, R, S, y, m, c, C) and its
auxiliary functions (NUM_radix, NUM, STR^m_radix, PRF). CIPH is AES from
``cryptography``; the PRF is the CBC-MAC of the standard (Algorithm 6), run as
AES-CBC with a zero IV whose last block is kept. Nothing is cached, batched or
precomputed: every call follows the text once. It shares no code with `FF1`.

Not for use outside the tests: it is slow, and it checks its inputs only as
far as the standard's prerequisites go.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["MIN_DOMAIN", "ff1_decrypt", "ff1_encrypt"]

MIN_DOMAIN = 1_000_000
"""SP 800-38G Rev. 1, section 5.2: radix ** minlen >= 1 000 000."""
_MAX_LEN = 2**32 - 1


def num_radix(x: Sequence[int], radix: int) -> int:
    """NUM_radix(X) (Algorithm 1): the number that the numeral string X represents in base radix."""
    number = 0
    for numeral in x:
        number = number * radix + numeral
    return number


def num(x: bytes) -> int:
    """NUM(X) (Algorithm 2): the integer the byte string X represents, most significant first."""
    return int.from_bytes(x, "big")


def str_radix(m: int, radix: int, x: int) -> list[int]:
    """STR^m_radix(x) (Algorithm 3): the m numerals that represent x in base radix."""
    out = [0] * m
    for i in range(1, m + 1):
        out[m - i] = x % radix
        x //= radix
    return out


def byte_string(x: int, s: int) -> bytes:
    """[x]^s: the s-byte representation of the integer x."""
    return x.to_bytes(s, "big")


def ciph(key: bytes, block: bytes) -> bytes:
    """CIPH_K(X): AES applied to one 16-byte block."""
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()  # noqa: S305  # the block function itself
    return encryptor.update(block) + encryptor.finalize()


def prf(key: bytes, x: bytes) -> bytes:
    """PRF(X) (Algorithm 6): Y_j = CIPH_K(Y_{j-1} xor X_j) from Y_0 = 0^128; the last Y."""
    if len(x) % 16:
        msg = "the PRF input must be a whole number of blocks"
        raise ValueError(msg)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    chained = encryptor.update(x) + encryptor.finalize()
    return chained[-16:]


def ceil_v_log2_radix(v: int, radix: int) -> int:
    """
    ceil(v * LOG(radix)), LOG being the base-2 logarithm, in exact integer arithmetic.

    It is the least e with 2 ** e >= radix ** v, which is the bit length of
    radix ** v - 1. Floating-point logarithms round wrongly for some radixes
    and lengths (a power of two radix gives an exact product that a float may
    overshoot).
    """
    return (radix**v - 1).bit_length()


def _check(radix: int, x: Sequence[int], tweak: bytes, *, legacy_domain: bool) -> None:
    """The prerequisites and input checks of Algorithms 7 and 8 (section 5.2)."""
    if not 2 <= radix <= 2**16:
        msg = "radix must be in [2 .. 2**16]"
        raise ValueError(msg)
    n = len(x)
    minimum = 100 if legacy_domain else MIN_DOMAIN
    if n < 2 or radix**n < minimum:
        msg = "the numeral string is shorter than minlen"
        raise ValueError(msg)
    if n > _MAX_LEN:
        msg = "the numeral string is longer than maxlen"
        raise ValueError(msg)
    if len(tweak) > _MAX_LEN:
        msg = "the tweak is longer than maxTlen"
        raise ValueError(msg)
    if any(not 0 <= numeral < radix for numeral in x):
        msg = "a numeral is not in [0 .. radix)"
        raise ValueError(msg)


def _round_y(
    key: bytes, p: bytes, tweak: bytes, i: int, half: Sequence[int], *, radix: int, b: int, d: int
) -> int:
    """Steps 6.i to 6.iv: Q, R = PRF(P || Q), S and y = NUM(S) for round i."""
    t = len(tweak)
    # i. Q = T || [0]^((-t-b-1) mod 16) || [i]^1 || [NUM_radix(B)]^b
    q = (
        tweak
        + byte_string(0, (-t - b - 1) % 16)
        + byte_string(i, 1)
        + byte_string(num_radix(half, radix), b)
    )
    # ii. R = PRF(P || Q)
    r = prf(key, p + q)
    # iii. S = the first d bytes of
    #      R || CIPH_K(R xor [1]^16) || ... || CIPH_K(R xor [ceil(d/16)-1]^16)
    blocks = [r]
    for j in range(1, -(-d // 16)):
        blocks.append(ciph(key, bytes(a ^ c for a, c in zip(r, byte_string(j, 16), strict=True))))
    s = b"".join(blocks)[:d]
    # iv. y = NUM(S)
    return num(s)


def _setup(radix: int, x: Sequence[int], tweak: bytes) -> tuple[int, int, int, int, bytes]:
    """Steps 1 and 3 to 5: u, v, b, d and P."""
    n = len(x)
    t = len(tweak)
    # 1. u = floor(n/2); v = n - u
    u = n // 2
    v = n - u
    # 3. b = ceil(ceil(v * LOG(radix)) / 8)
    b = -(-ceil_v_log2_radix(v, radix) // 8)
    # 4. d = 4 * ceil(b/4) + 4
    d = 4 * -(-b // 4) + 4
    # 5. P = [1]^1 || [2]^1 || [1]^1 || [radix]^3 || [10]^1 || [u mod 256]^1 || [n]^4 || [t]^4
    p = (
        byte_string(1, 1)
        + byte_string(2, 1)
        + byte_string(1, 1)
        + byte_string(radix, 3)
        + byte_string(10, 1)
        + byte_string(u % 256, 1)
        + byte_string(n, 4)
        + byte_string(t, 4)
    )
    return u, v, b, d, p


def ff1_encrypt(
    key: bytes, radix: int, tweak: bytes, x: Sequence[int], *, legacy_domain: bool = False
) -> list[int]:
    """
    FF1.Encrypt(K, T, X), Algorithm 7 of SP 800-38G.

    Args:
        key: The AES key K (16, 24 or 32 bytes).
        radix: The base.
        tweak: The tweak T.
        x: The numeral string X.
        legacy_domain: Accept radix ** n >= 100, the bound of the original
            SP 800-38G (2016), instead of Rev. 1's one million.

    Returns:
        The numeral string Y.
    """
    _check(radix, x, tweak, legacy_domain=legacy_domain)
    u, v, b, d, p = _setup(radix, x, tweak)
    # 2. A = X[1..u]; B = X[u+1..n]
    a = list(x[:u])
    bb = list(x[u:])
    # 6. For i from 0 to 9:
    for i in range(10):
        y = _round_y(key, p, tweak, i, bb, radix=radix, b=b, d=d)
        # v. If i is even, let m = u; else, let m = v
        m = u if i % 2 == 0 else v
        # vi. c = (NUM_radix(A) + y) mod radix**m
        c = (num_radix(a, radix) + y) % radix**m
        # vii. C = STR^m_radix(c); viii. A = B; ix. B = C
        a, bb = bb, str_radix(m, radix, c)
    # 7. Return A || B
    return a + bb


def ff1_decrypt(
    key: bytes, radix: int, tweak: bytes, x: Sequence[int], *, legacy_domain: bool = False
) -> list[int]:
    """
    FF1.Decrypt(K, T, X), Algorithm 8 of SP 800-38G.

    Args:
        key: The AES key K (16, 24 or 32 bytes).
        radix: The base.
        tweak: The tweak T.
        x: The numeral string X (a ciphertext).
        legacy_domain: As for `ff1_encrypt`.

    Returns:
        The numeral string Y (the plaintext).
    """
    _check(radix, x, tweak, legacy_domain=legacy_domain)
    u, v, b, d, p = _setup(radix, x, tweak)
    # 2. A = X[1..u]; B = X[u+1..n]
    a = list(x[:u])
    bb = list(x[u:])
    # 6. For i from 9 to 0:
    for i in range(9, -1, -1):
        # i. Q = T || [0]^((-t-b-1) mod 16) || [i]^1 || [NUM_radix(A)]^b
        # ii. to iv. as in Algorithm 7
        y = _round_y(key, p, tweak, i, a, radix=radix, b=b, d=d)
        # v. If i is even, let m = u; else, let m = v
        m = u if i % 2 == 0 else v
        # vi. c = (NUM_radix(B) - y) mod radix**m
        c = (num_radix(bb, radix) - y) % radix**m
        # vii. C = STR^m_radix(c); viii. B = A; ix. A = C
        a, bb = str_radix(m, radix, c), a
    # 7. Return A || B
    return a + bb
