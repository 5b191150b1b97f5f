#!/usr/bin/env python3
"""link_e2e.py - talks to a running board (tinyhil-host-sim, or QEMU's -serial pty) over its pty:
HELLO, WRITE, CRC, RUN, READ; checks linear_qk S=3 E=5 P=2 H=2 against a Python reference.
Usage: link_e2e.py PTY_PATH"""
import os, struct, sys, termios, tty, zlib, select, time

def cobs_enc(b):
    out, blk = bytearray(), bytearray()
    for x in b:
        if x == 0:
            out += bytes([len(blk) + 1]) + blk; blk = bytearray()
        else:
            blk.append(x)
            if len(blk) == 254:
                out += b'\xff' + blk; blk = bytearray()
    return bytes(out + bytes([len(blk) + 1]) + blk)

def cobs_dec(e):
    out, i = bytearray(), 0
    while i < len(e):
        c = e[i]; out += e[i + 1:i + c]; i += c
        if c < 255 and i < len(e): out.append(0)
    return bytes(out)

class Link:
    def __init__(self, path):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.fd)
        self.buf = bytearray(); self.seq = 0
    def frame(self, timeout=5.0):
        end = time.time() + timeout
        while True:
            if 0 in self.buf:
                i = self.buf.index(0); enc = bytes(self.buf[:i]); del self.buf[:i + 1]
                if not enc: continue
                f = cobs_dec(enc)
                assert zlib.crc32(f[:-4]) == struct.unpack('<I', f[-4:])[0], 'reply CRC'
                return f[0], struct.unpack('<H', f[1:3])[0], f[3:-4]
            r, _, _ = select.select([self.fd], [], [], max(0, end - time.time()))
            if not r: raise TimeoutError('no reply')
            self.buf += os.read(self.fd, 65536)
    def req(self, t, payload=b''):
        self.seq = self.seq % 65535 + 1
        f = bytes([t]) + struct.pack('<H', self.seq) + payload
        os.write(self.fd, cobs_enc(f + struct.pack('<I', zlib.crc32(f))) + b'\0')
        while True:
            rt, rs, pl = self.frame()
            if rt == 0xC0: continue  # BOOT left in the queue
            assert rs == self.seq, f'seq {rs} != {self.seq}'
            if rt == 0xFF:
                raise RuntimeError(f'ERROR code {pl[0]} detail {struct.unpack("<I", pl[4:8])[0]}: {pl[8:].decode()}')
            assert rt == t | 0x80, hex(rt)
            return pl

def rq(x, mul, div):
    return max(-128, min(127, (x * mul) >> div))

def main():
    L = Link(sys.argv[1])
    pl = L.req(0x01, struct.pack('<I', 4096))
    ver, kind, cores, nk, maxf, arena, clk = struct.unpack('<BBBBIII', pl[:16])
    i, strs = 16, []
    for _ in range(4):
        n = pl[i]; strs.append(pl[i + 1:i + 1 + n].decode()); i += 1 + n
    kernels = {}
    for _ in range(nk):
        kid, n = pl[i], pl[i + 1]; kernels[pl[i + 2:i + 2 + n].decode()] = kid; i += 2 + n
    print(f'HELLO v{ver} kind {kind} cores {cores} max_frame {maxf} arena {arena} {strs} {len(kernels)} kernels')
    assert ver == 1 and maxf == min(4096, maxf) and kernels.get('linear_qk') == 0
    S, E, P, H = 3, 5, 2, 2
    I = bytes((i * 37 - 100) & 255 for i in range(S * E))
    W = bytes((i * 53 - 120) & 255 for i in range(H * P * E))
    B = struct.pack(f'<{H * P}h', *[i * 300 - 500 for i in range(H * P)])
    offs = {'I': 0, 'W': 64, 'B': 128, 'O': 192}
    for name, data in (('I', I), ('W', W), ('B', B)):
        r = L.req(0x02, struct.pack('<I', offs[name]) + data)
        assert struct.unpack('<II', r) == (offs[name], len(data))
        crc = struct.unpack('<I', L.req(0x04, struct.pack('<II', offs[name], len(data))))[0]
        assert crc == zlib.crc32(data), f'CRC of {name}'
    Is = struct.unpack(f'{S * E}b', I); Ws = struct.unpack(f'{H * P * E}b', W); Bs = struct.unpack(f'<{H * P}h', B)
    want = bytes(rq(Bs[h * P + p] + sum(Is[s * E + e] * Ws[(h * P + p) * E + e] for e in range(E)), 385, 8) & 255
                 for h in range(H) for s in range(S) for p in range(P))
    for ncores in sorted({1, min(2, cores), cores}):
        run = struct.pack('<BBBB5I', kernels['linear_qk'], ncores, 0, 3, S, E, P, H, 0)
        run += struct.pack('<12i', 385, 8, *([0] * 10)) + struct.pack('<3i', 0, 0, 0) + struct.pack('<I', 5)
        run += struct.pack('<3I', offs['I'], offs['W'], offs['B']) + struct.pack('<3I', offs['O'], 1024, 0)
        r = L.req(0x05, run)
        st, nc, _, rep, counter, obytes, ocrc = struct.unpack('<BBHIQII', r[:24])
        per = struct.unpack(f'<{nc}Q', r[24:])
        out = L.req(0x03, struct.pack('<II', offs['O'], obytes))
        print(f'RUN linear_qk cores {nc}: status {st} repeat {rep} counter {counter} {strs[2]}, per core {per}, '
              f'output {obytes} B crc {ocrc:08x}')
        assert st == 0 and nc == ncores and obytes == len(want)
        assert zlib.crc32(out) == ocrc, 'output CRC'
        assert out == want, f'output {out.hex()} != reference {want.hex()}'
    print(f'e2e OK on {strs[0]}: HELLO, WRITE, CRC, RUN, READ match the Python reference')

main()
