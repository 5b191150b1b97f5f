#!/usr/bin/env python3
"""check_dump.py - checks a `run-hil.js --dump-dir` point, or a `run-hil.js model --dump-dir` block,
outside tinyhil.

An independent implementation of docs/kernels.md in plain Python (no NumPy needed).
A kernel point: reads params.json and the input_*.npy files, recomputes the output, and compares it
byte for byte with golden.npy and output.npy.
A block (a directory with model.json): loads the weights and inputs, recomputes every node in order
from its own recomputed inputs, and compares each node's output with the dumped golden <tensor>.npy
and the block outputs with the board's board_<tensor>.npy.

    python3 tools/check_dump.py DUMP_DIR/<test>_S.._E.._P.._H..  [more dirs]
    python3 tools/check_dump.py DUMP_DIR/<model>
A point with a missing file (params.json, an input, golden.npy or output.npy; for a block,
model.json or any tensor file), or of a kernel this script does not model, is reported
"unchecked", never as agreeing.
Exit status: 0 every directory agrees; 1 one differs; 3 none differs but some are unchecked;
2 usage.
"""
import ast
import json
import math
import os
import struct
import sys


def load_npy(path):
    with open(path, 'rb') as f:
        data = f.read()
    if data[:6] != b'\x93NUMPY':
        raise ValueError(f'{path}: not a .npy file')
    hlen = struct.unpack('<H', data[8:10])[0]
    header = ast.literal_eval(data[10:10 + hlen].decode('latin1'))
    body = data[10 + hlen:]
    fmt = {'|i1': 'b', '|u1': 'B', '<i2': 'h'}[header['descr']]
    n = len(body) // struct.calcsize(fmt)
    return list(struct.unpack('<%d%s' % (n, fmt), body)), header['shape'], header['descr']


def rq(x, mul, div):
    return max(-128, min(127, (x * mul) >> div))


def isoftmax(row):
    m = max(row)
    ys = []
    for x in row:
        xt = x - m
        z = (-xt) // 5
        p = xt + 5 * z
        ys.append(0 if z > 31 else ((p + 7) ** 2 + 24) >> z)
    s = sum(ys)
    return [max(0, min(255, (y * 255) // s)) for y in ys]


def proj(I, W, B, rows, k, n_out, r):
    """out[s][o] = rq(sum_j I[s][j] * W[o][j] + B[o]) for I [rows, k], W [n_out, k]."""
    return [[rq(sum(I[s * k + j] * W[o * k + j] for j in range(k)) + B[o], *r) for o in range(n_out)] for s in range(rows)]


def mhsa_core(I, Wq, Bq, Wk, Bk, Wv, Bv, Wo, Bo, S, E, P, H, r):
    q = proj(I, Wq, Bq, S, E, H * P, r[0])
    kk = proj(I, Wk, Bk, S, E, H * P, r[1])
    v = proj(I, Wv, Bv, S, E, H * P, r[2])
    M = [0] * (S * H * P)
    for h in range(H):
        for s in range(S):
            scores = [rq(sum(q[s][h * P + p] * kk[t][h * P + p] for p in range(P)), *r[3]) for t in range(S)]
            a = isoftmax(scores)
            for p in range(P):
                M[s * H * P + h * P + p] = rq(sum(a[t] * v[t][h * P + p] for t in range(S)), *r[4])
    return [x for row in proj(M, Wo, Bo, S, H * P, E, r[5]) for x in row]


def compute(kernel, sh, ins, r, consts):
    S, E, P, H = sh['S'], sh['E'], sh['P'], sh['H']
    if kernel in ('linear_qk', 'linear_v'):
        I, W, B = ins
        o = proj(I, W, B, S, E, H * P, r[0])
        if kernel == 'linear_qk':
            return [o[s][h * P + p] for h in range(H) for s in range(S) for p in range(P)]
        return [o[s][h * P + p] for h in range(H) for p in range(P) for s in range(S)]
    if kernel == 'linear_o':
        I, W, B = ins
        return [x for row in proj(I, W, B, S, H * P, E, r[0]) for x in row]
    if kernel == 'linear':  # I[S,K] W[N,K] B[N] -> O[S,N]; K travels as E, N as P
        I, W, B = ins
        return [x for row in proj(I, W, B, S, E, P, r[0]) for x in row]
    if kernel == 'qk_softmax':
        Q, K = ins
        out = []
        for s in range(S):
            for h in range(H):
                out += isoftmax([rq(sum(Q[(h * S + s) * P + p] * K[(h * S + t) * P + p] for p in range(P)), *r[0]) for t in range(S)])
        return out
    if kernel == 'av':
        A, V = ins
        return [rq(sum(A[(s * H + h) * S + t] * V[(h * P + p) * S + t] for t in range(S)), *r[0])
                for s in range(S) for h in range(H) for p in range(P)]
    if kernel == 'fwsa':
        I, W, B = ins
        out = []
        for h in range(H):
            istar = [[rq(sum(I[s * E + f] * W[(h * E + e) * E + f] for f in range(E)) + B[h * E + e], *r[0]) for e in range(E)] for s in range(S)]
            for s in range(S):
                out += isoftmax([rq(sum(istar[s][e] * I[t * E + e] for e in range(E)), *r[1]) for t in range(S)])
        return out
    if kernel == 'softmax':
        (X,) = ins
        return [y for s in range(S) for y in isoftmax(X[s * E:(s + 1) * E])]
    if kernel in ('mhsa', 'mhsa_dft'):
        return mhsa_core(*ins, S, E, P, H, r)
    if kernel == 'mhsa_fwsa':
        I, Wf, Bf, Wv, Bv, Wo, Bo = ins
        A = compute('fwsa', sh, [I, Wf, Bf], r[0:2], [])
        v = proj(I, Wv, Bv, S, E, H * P, r[2])
        M = [rq(sum(A[(h * S + s) * S + t] * v[t][h * P + p] for t in range(S)), *r[3])
             for s in range(S) for h in range(H) for p in range(P)]
        return [x for row in proj(M, Wo, Bo, S, H * P, E, r[4]) for x in row]
    if kernel == 'layernorm':
        X, g, b = ins
        out = []
        for s in range(S):
            x = X[s * E:(s + 1) * E]
            tot = sum(x)
            d = [E * xi - tot for xi in x]
            v = sum(di * di for di in d) // E
            sd = max(math.isqrt(v), 1)
            out += [rq(((d[i] * 256) // sd) * g[i] + b[i], *r[0]) for i in range(E)]
        return out
    if kernel == 'gelu':
        (X,) = ins
        qb, qc, q1 = consts
        out = []
        for x in X:
            t = min(abs(x), qb) - qb
            sign = (x > 0) - (x < 0)
            out.append(rq(x * (sign * (qc - t * t) + q1), *r[0]))
        return out
    if kernel == 'add':
        A, B = ins
        return [max(-128, min(127, ((a * r[0][0]) >> r[0][1]) + ((b * r[1][0]) >> r[1][1]))) for a, b in zip(A, B)]
    raise ValueError(f'unknown kernel {kernel}')


# Kernels this script models independently; a dump of any other kernel is reported unchecked.
MODELS = ('linear_qk', 'linear_v', 'linear_o', 'qk_softmax', 'av', 'fwsa', 'softmax', 'mhsa',
          'mhsa_fwsa', 'mhsa_dft', 'layernorm', 'gelu', 'add', 'linear')


class Unchecked(Exception):
    """The point cannot be checked (a file is missing, or no independent model of the kernel)."""


def need(d, name):
    path = os.path.join(d, name)
    if not os.path.exists(path):
        raise Unchecked(f'{name} is missing')
    return path


def check_block(d):
    with open(need(d, 'model.json')) as f:
        doc = json.load(f)
    files = {t['name']: t['file'] for t in doc['tensors']}
    roles = {t['name']: t['role'] for t in doc['tensors']}
    for node in doc['nodes']:
        if node['kernel'] not in MODELS:
            raise Unchecked(f'no independent model of kernel {node["kernel"]!r} (node {node["name"]}) in this script')
    vals = {n: load_npy(need(d, files[n]))[0] for n in files if roles[n] != 'activation'}
    goldens = {node['output']: load_npy(need(d, files[node['output']]))[0] for node in doc['nodes']}
    boards = {name: load_npy(need(d, f))[0] for name, f in doc.get('boardOutputs', {}).items()}
    ok = True
    for node in doc['nodes']:
        ins = [vals[x] for x in node['inputs']]
        r = [(x['mul'], x['div']) for x in node['rq']]
        out = compute(node['kernel'], node['shape'], ins, r, node['consts'])
        vals[node['output']] = out
        golden = goldens[node['output']]
        if golden != out:
            i = next((j for j in range(min(len(golden), len(out))) if golden[j] != out[j]), -1)
            print(f'{d}: node {node["name"]} ({node["kernel"]}): golden {files[node["output"]]} differs from the independent model (first flat index {i})')
            ok = False
    for name, got in boards.items():
        if got != vals[name]:
            print(f'{d}: board output {doc["boardOutputs"][name]} differs from the independent model')
            ok = False
    if ok:
        print(f'{d}: block {doc["model"]} agrees ({len(doc["nodes"])} nodes recomputed, {len(boards)} board outputs)')
    return 'agrees' if ok else 'differs'


def check(d):
    """'agrees', 'differs' or 'unchecked' (printed with the reason): never agrees by default."""
    try:
        if os.path.exists(os.path.join(d, 'model.json')):
            return check_block(d)
        with open(need(d, 'params.json')) as f:
            prm = json.load(f)
        if prm['kernel'] not in MODELS:
            raise Unchecked(f'no independent model of kernel {prm["kernel"]!r} in this script')
        ins = [load_npy(need(d, i['file']))[0] for i in prm['inputs']]
        outs = {name: load_npy(need(d, name))[0] for name in ('golden.npy', 'output.npy')}
    except Unchecked as e:
        print(f'{d}: unchecked ({e})')
        return 'unchecked'
    r = [(x['mul'], x['div']) for x in prm['rq']]
    want = compute(prm['kernel'], prm['shape'], ins, r, prm['consts'])
    ok = True
    for name, got in outs.items():
        if got != want:
            i = next(j for j in range(min(len(got), len(want))) if got[j] != want[j]) if len(got) == len(want) else -1
            print(f'{d}: {name} differs from the independent model (first flat index {i})')
            ok = False
    if ok:
        print(f'{d}: {prm["kernel"]} agrees ({len(want)} values)')
    return 'agrees' if ok else 'differs'


if __name__ == '__main__':
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    results = [check(d) for d in sys.argv[1:]]
    n = {k: results.count(k) for k in ('agrees', 'differs', 'unchecked')}
    if len(results) > 1:
        print(f"{n['agrees']} agree, {n['differs']} differ, {n['unchecked']} unchecked")
    sys.exit(1 if n['differs'] else 3 if n['unchecked'] else 0)
