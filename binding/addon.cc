// addon.cc - thin Node-API layer over kernels/: type checks, copy the arguments into plain
// structs, run the C kernel on N real threads (sync or async).
// All kernel semantics live in kernels/ (C) and src/ (TypeScript).
#include <napi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include "tinyhil.h"
#include "th_ref.h"
}

namespace {

// Range and size checks live in TypeScript (src/validate/kernelArgs.ts, called by src/native.ts before
// every call): here only types are checked, then the C library is called, which refuses bad params
// itself (th_kernel_run, th_check_params). Memory stays safe whatever arrives: inputs are copied into
// buffers of the size the kernel reads, the output and scratch are sized by the library, and only the
// rq pairs and consts the kernel has are read.

const char *StatusName(th_status s) {
  switch (s) {
    case TH_OK: return "ok";
    case TH_ERR_ARG: return "bad argument";
    case TH_ERR_SHAPE: return "bad shape";
    case TH_ERR_SCRATCH: return "scratch too small";
    case TH_ERR_RQ: return "requant div outside 0..31";
  }
  return "unknown status";
}

Napi::TypeError Expected(const Napi::Env &env, const std::string &what, const std::string &field, const Napi::Value &v) {
  return Napi::TypeError::New(env, "Expected " + what + " for " + field + " but received " + v.ToString().Utf8Value());
}

// A kernel id is a number naming an entry of the table (anything else would be a null descriptor).
int32_t KernelId(const Napi::Value &v) {
  if (!v.IsNumber() || !th_kernel_get(v.As<Napi::Number>().Int32Value())) throw Expected(v.Env(), "a kernel id (number of the kernel table)", "kernel", v);
  return v.As<Napi::Number>().Int32Value();
}

int32_t IntField(const Napi::Object &o, const char *name, const char *where, int32_t dflt) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return dflt;
  if (!v.IsNumber()) throw Expected(o.Env(), "a number", std::string(where) + "." + name, v);
  return v.As<Napi::Number>().Int32Value();
}

th_shape ShapeArg(const Napi::Value &v) {
  if (!v.IsObject()) throw Expected(v.Env(), "an object {S, E, P, H, T?}", "shape", v);
  Napi::Object o = v.As<Napi::Object>();
  th_shape s;
  s.S = IntField(o, "S", "shape", 0);
  s.E = IntField(o, "E", "shape", 0);
  s.P = IntField(o, "P", "shape", 0);
  s.H = IntField(o, "H", "shape", 0);
  s.T = IntField(o, "T", "shape", s.S);
  return s;
}

// params: { S, E, P, H, T?, split?: 0|1, rq: [[mul, div], ...], consts?: [..] }; reads the kernel's
// n_rq pairs and n_consts consts, no more.
th_params ParamsArg(int32_t id, const Napi::Value &v) {
  th_params p;
  std::memset(&p, 0, sizeof p);
  p.shape = ShapeArg(v);
  Napi::Object o = v.As<Napi::Object>();
  const th_kernel_desc *d = th_kernel_get(id);
  p.split = (th_split)IntField(o, "split", "params", TH_SPLIT_HEADS);
  Napi::Value rqv = o.Get("rq");
  if (d->n_rq > 0 && !rqv.IsArray()) throw Expected(v.Env(), "an array of [mul, div] pairs", "params.rq", rqv);
  for (int32_t i = 0; i < d->n_rq; i++) {
    Napi::Value pair = rqv.As<Napi::Array>().Get((uint32_t)i);
    std::string field = "params.rq[" + std::to_string(i) + "]";
    if (!pair.IsArray()) throw Expected(v.Env(), "a [mul, div] pair", field, pair);
    Napi::Value m = pair.As<Napi::Array>().Get(0u), dv = pair.As<Napi::Array>().Get(1u);
    if (!m.IsNumber() || !dv.IsNumber()) throw Expected(v.Env(), "a [mul, div] pair of numbers", field, pair);
    p.rq[i].mul = m.As<Napi::Number>().Int32Value();
    p.rq[i].div = dv.As<Napi::Number>().Int32Value();
  }
  Napi::Value cv = o.Get("consts");
  if (d->n_consts > 0 && !cv.IsArray()) throw Expected(v.Env(), "an array of numbers", "params.consts", cv);
  for (int32_t i = 0; i < d->n_consts; i++) {
    Napi::Value c = cv.As<Napi::Array>().Get((uint32_t)i);
    if (!c.IsNumber()) throw Expected(v.Env(), "a number", "params.consts[" + std::to_string(i) + "]", c);
    p.consts[i] = c.As<Napi::Number>().Int32Value();
  }
  return p;
}

int32_t CoresArg(const Napi::Value &v) {
  if (v.IsUndefined()) return 1;
  if (!v.IsNumber()) throw Expected(v.Env(), "a number", "cores", v);
  return v.As<Napi::Number>().Int32Value();
}

// One run's arguments copied out of JS: inputs are copied so the worker never touches JS memory.
struct Job {
  int32_t id = 0;
  th_params params{};
  int32_t cores = 1;
  bool reference = false;
  std::vector<std::vector<uint8_t>> inputs;
  std::vector<uint8_t> output;
  std::vector<uint8_t> scratch;
  th_status status = TH_OK;
  double ns = 0;  // wall time of the kernel run itself (threads included)
};

Job MakeJob(const Napi::CallbackInfo &info, bool reference) {
  Job job;
  job.id = KernelId(info[0]);
  job.params = ParamsArg(job.id, info[1]);
  job.cores = reference ? 1 : CoresArg(info[3]);
  job.reference = reference;
  const th_kernel_desc *d = th_kernel_get(job.id);
  if (!info[2].IsArray()) throw Expected(info.Env(), "an array of input buffers", "inputs", info[2]);
  Napi::Array arr = info[2].As<Napi::Array>();
  // Sizes from the library; when it refuses the shape nothing is allocated and the run call refuses too.
  size_t counts[TH_MAX_INPUTS] = {0}, out_count = 0;
  bool sized = th_kernel_sizes(job.id, &job.params.shape, counts, &out_count) == TH_OK;
  for (int32_t i = 0; i < d->n_inputs; i++) {
    Napi::Value b = arr.Get((uint32_t)i);
    if (!b.IsTypedArray()) throw Expected(info.Env(), "a typed array", std::string("input ") + d->input_names[i] + " of " + d->name, b);
    Napi::TypedArray ta = b.As<Napi::TypedArray>();
    // Exactly the bytes the kernel reads: what was given, zero-filled or cut to that size.
    size_t want = sized ? counts[i] * th_dtype_size(d->input_types[i]) : 0;
    const uint8_t *src = static_cast<const uint8_t *>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    std::vector<uint8_t> copy(want, 0);
    if (want > 0) std::memcpy(copy.data(), src, std::min(want, ta.ByteLength()));
    job.inputs.push_back(std::move(copy));
  }
  if (sized) job.output.resize(out_count * th_dtype_size(d->output_type));
  if (!reference) {
    size_t scratch = th_scratch_bytes(job.id, &job.params.shape, job.cores);
    if (scratch != SIZE_MAX) job.scratch.resize(scratch);
  }
  return job;
}

// A reusable barrier for the kernels' stage boundaries.
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void Wait() {
    std::unique_lock<std::mutex> lk(m_);
    int gen = gen_;
    if (++count_ == n_) {
      count_ = 0;
      gen_++;
      cv_.notify_all();
    } else {
      cv_.wait(lk, [&] { return gen != gen_; });
    }
  }
  static void Call(void *arg) { static_cast<Barrier *>(arg)->Wait(); }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int n_, count_ = 0, gen_ = 0;
};

void Execute(Job &job) {
  std::vector<const void *> in;
  for (auto &b : job.inputs) in.push_back(b.data());
  // The library's own check first (th_kernel_run repeats it; th_ref_run checks only what it reads).
  job.status = th_check_params(job.id, &job.params);
  if (job.status != TH_OK) return;
  if (job.reference) {
    job.status = th_ref_run(job.id, &job.params, in.data(), job.output.data()) == 0 ? TH_OK : TH_ERR_ARG;
    return;
  }
  // One thread per core the library accepts; another count is refused by th_kernel_run on one thread.
  int32_t n = job.cores >= 1 && job.cores <= TH_MAX_CORES ? job.cores : 1;
  auto t0 = std::chrono::steady_clock::now();
  Barrier barrier(n);
  std::vector<th_status> status(n, TH_OK);
  auto slice = [&](int32_t core) {
    th_ctx ctx{core, job.cores, job.scratch.empty() ? nullptr : job.scratch.data(), job.scratch.size(), Barrier::Call, &barrier};
    status[core] = th_kernel_run(job.id, &job.params, in.data(), job.output.empty() ? nullptr : job.output.data(), &ctx);
  };
  std::vector<std::thread> threads;
  for (int32_t c = 1; c < n; c++) threads.emplace_back(slice, c);
  slice(0);
  for (auto &t : threads) t.join();
  job.ns = (double)std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  for (th_status s : status)
    if (s != TH_OK) job.status = s;
}

Napi::Value Output(Napi::Env env, Job &job) {
  if (job.status != TH_OK) throw Napi::Error::New(env, std::string("Kernel ") + th_kernel_get(job.id)->name + " failed: " + StatusName(job.status));
  return Napi::Buffer<uint8_t>::Copy(env, job.output.data(), job.output.size());
}

class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, Job &&job, bool timed) : Napi::AsyncWorker(env), job_(std::move(job)), timed_(timed), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { ::Execute(job_); }
  void OnOK() override {
    try {
      Napi::Value out = Output(Env(), job_);
      if (!timed_) return deferred_.Resolve(out);
      Napi::Object o = Napi::Object::New(Env());
      o.Set("output", out);
      o.Set("ns", job_.ns);
      deferred_.Resolve(o);
    } catch (const Napi::Error &e) {
      deferred_.Reject(e.Value());
    }
  }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

 private:
  Job job_;
  bool timed_;
  Napi::Promise::Deferred deferred_;
};

// kernels() -> [{ id, name, inputs: [{ name, dtype }], outputType, nRq, nConsts, usesT }]
Napi::Value Kernels(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  for (int32_t id = 0; id < TH_K_COUNT; id++) {
    const th_kernel_desc *d = th_kernel_get(id);
    Napi::Object k = Napi::Object::New(env);
    k.Set("id", id);
    k.Set("name", d->name);
    Napi::Array ins = Napi::Array::New(env);
    for (int32_t i = 0; i < d->n_inputs; i++) {
      Napi::Object a = Napi::Object::New(env);
      a.Set("name", d->input_names[i]);
      a.Set("dtype", d->input_types[i] == TH_I8 ? "i8" : d->input_types[i] == TH_U8 ? "u8" : "i16");
      ins.Set((uint32_t)i, a);
    }
    k.Set("inputs", ins);
    k.Set("outputType", d->output_type == TH_U8 ? "u8" : "i8");
    k.Set("nRq", d->n_rq);
    k.Set("nConsts", d->n_consts);
    k.Set("usesT", Napi::Boolean::New(env, d->uses_T != 0));
    out.Set((uint32_t)id, k);
  }
  return out;
}

// sizes(id, shape) -> { inputs: [elements], output: elements }
Napi::Value Sizes(const Napi::CallbackInfo &info) {
  int32_t id = KernelId(info[0]);
  th_shape s = ShapeArg(info[1]);
  size_t counts[TH_MAX_INPUTS], out_count = 0;
  th_status st = th_kernel_sizes(id, &s, counts, &out_count);
  if (st != TH_OK) throw Napi::Error::New(info.Env(), std::string("th_kernel_sizes refused ") + th_kernel_get(id)->name + ": " + StatusName(st));
  Napi::Object o = Napi::Object::New(info.Env());
  Napi::Array ins = Napi::Array::New(info.Env());
  for (int32_t i = 0; i < th_kernel_get(id)->n_inputs; i++) ins.Set((uint32_t)i, (double)counts[i]);
  o.Set("inputs", ins);
  o.Set("output", (double)out_count);
  return o;
}

Napi::Value ScratchBytes(const Napi::CallbackInfo &info) {
  int32_t id = KernelId(info[0]);
  th_shape s = ShapeArg(info[1]);
  size_t n = th_scratch_bytes(id, &s, CoresArg(info[2]));
  if (n == SIZE_MAX) throw Napi::Error::New(info.Env(), std::string("th_scratch_bytes refused ") + th_kernel_get(id)->name + ": bad shape or cores");
  return Napi::Number::New(info.Env(), (double)n);
}

Napi::Value Macs(const Napi::CallbackInfo &info) {
  int32_t id = KernelId(info[0]);
  th_shape s = ShapeArg(info[1]);
  return Napi::Number::New(info.Env(), (double)th_kernel_macs(id, &s));
}

// run(id, params, inputs, cores) -> Buffer
Napi::Value Run(const Napi::CallbackInfo &info) {
  Job job = MakeJob(info, false);
  Execute(job);
  return Output(info.Env(), job);
}

// runAsync(id, params, inputs, cores) -> Promise<Buffer>
Napi::Value RunAsync(const Napi::CallbackInfo &info) {
  auto *w = new RunWorker(info.Env(), MakeJob(info, false), false);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// runTimed(id, params, inputs, cores) -> Promise<{ output, ns }>: ns = the kernel's own wall time.
Napi::Value RunTimed(const Napi::CallbackInfo &info) {
  auto *w = new RunWorker(info.Env(), MakeJob(info, false), true);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// runReference(id, params, inputs) -> Buffer: the plain scalar C reference (benchmarks).
Napi::Value RunReference(const Napi::CallbackInfo &info) {
  Job job = MakeJob(info, true);
  Execute(job);
  return Output(info.Env(), job);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("version", TH_VERSION_STRING);
  exports.Set("maxCores", TH_MAX_CORES);
  exports.Set("kernels", Napi::Function::New(env, Kernels));
  exports.Set("sizes", Napi::Function::New(env, Sizes));
  exports.Set("scratchBytes", Napi::Function::New(env, ScratchBytes));
  exports.Set("macs", Napi::Function::New(env, Macs));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("runAsync", Napi::Function::New(env, RunAsync));
  exports.Set("runTimed", Napi::Function::New(env, RunTimed));
  exports.Set("runReference", Napi::Function::New(env, RunReference));
  return exports;
}

}  // namespace

NODE_API_MODULE(tinyhil, Init)
