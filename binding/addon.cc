// addon.cc - thin Node-API layer over kernels/: type and length checks, copy the
// arguments into plain structs, run the C kernel on N real threads (sync or async).
// All kernel semantics live in kernels/ (C) and src/ (TypeScript).
#include <napi.h>

#include <chrono>
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

const char *DtypeName(th_dtype t) { return t == TH_I8 ? "int8" : t == TH_U8 ? "uint8" : "int16"; }

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

int32_t KernelId(const Napi::Value &v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "Expected a kernel id (number) for kernel but received " + v.ToString().Utf8Value());
  int32_t id = v.As<Napi::Number>().Int32Value();
  if (!th_kernel_get(id)) throw Napi::RangeError::New(v.Env(), "Expected a kernel id in 0.." + std::to_string(TH_K_COUNT - 1) + " for kernel but received " + std::to_string(id));
  return id;
}

int32_t IntField(const Napi::Object &o, const char *name, const char *where, int32_t dflt, bool required) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() && !required) return dflt;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("Expected an integer for ") + where + "." + name + " but received " + v.ToString().Utf8Value());
  double d = v.As<Napi::Number>().DoubleValue();
  if (d != (double)(int32_t)d) throw Napi::RangeError::New(o.Env(), std::string("Expected an int32 for ") + where + "." + name + " but received " + v.ToString().Utf8Value());
  return (int32_t)d;
}

th_shape ShapeArg(const Napi::Value &v) {
  if (!v.IsObject()) throw Napi::TypeError::New(v.Env(), "Expected an object {S, E, P, H, T?} for shape but received " + v.ToString().Utf8Value());
  Napi::Object o = v.As<Napi::Object>();
  th_shape s;
  s.S = IntField(o, "S", "shape", 1, true);
  s.E = IntField(o, "E", "shape", 1, true);
  s.P = IntField(o, "P", "shape", 1, true);
  s.H = IntField(o, "H", "shape", 1, true);
  s.T = IntField(o, "T", "shape", s.S, false);
  return s;
}

// params: { S, E, P, H, T?, split?: 0|1, rq: [[mul, div], ...], consts?: [..] }
th_params ParamsArg(int32_t id, const Napi::Value &v) {
  th_params p;
  std::memset(&p, 0, sizeof p);
  p.shape = ShapeArg(v);
  Napi::Object o = v.As<Napi::Object>();
  const th_kernel_desc *d = th_kernel_get(id);
  int32_t split = IntField(o, "split", "params", 0, false);
  if (split != TH_SPLIT_HEADS && split != TH_SPLIT_ROWS) throw Napi::RangeError::New(v.Env(), "Expected params.split to be 0 (heads) or 1 (rows) but received " + std::to_string(split));
  p.split = (th_split)split;
  Napi::Value rqv = o.Get("rq");
  if (!rqv.IsArray()) throw Napi::TypeError::New(v.Env(), std::string("Expected params.rq to be an array of ") + std::to_string(d->n_rq) + " [mul, div] pairs for " + d->name + " but received " + rqv.ToString().Utf8Value());
  Napi::Array rq = rqv.As<Napi::Array>();
  if ((int32_t)rq.Length() != d->n_rq) throw Napi::RangeError::New(v.Env(), std::string("Expected params.rq to hold ") + std::to_string(d->n_rq) + " [mul, div] pairs for " + d->name + " but received " + std::to_string(rq.Length()));
  for (uint32_t i = 0; i < rq.Length(); i++) {
    Napi::Value pair = rq.Get(i);
    if (!pair.IsArray() || pair.As<Napi::Array>().Length() != 2) throw Napi::TypeError::New(v.Env(), "Expected params.rq[" + std::to_string(i) + "] to be [mul, div] but received " + pair.ToString().Utf8Value());
    Napi::Object po = pair.As<Napi::Object>();
    Napi::Value m = po.Get(0u), dv = po.Get(1u);
    if (!m.IsNumber() || !dv.IsNumber()) throw Napi::TypeError::New(v.Env(), "Expected params.rq[" + std::to_string(i) + "] to hold two integers but received " + pair.ToString().Utf8Value());
    p.rq[i].mul = m.As<Napi::Number>().Int32Value();
    p.rq[i].div = dv.As<Napi::Number>().Int32Value();
  }
  Napi::Value cv = o.Get("consts");
  uint32_t nc = cv.IsArray() ? cv.As<Napi::Array>().Length() : 0;
  if ((int32_t)nc != d->n_consts) throw Napi::RangeError::New(v.Env(), std::string("Expected params.consts to hold ") + std::to_string(d->n_consts) + " integers for " + d->name + " but received " + std::to_string(nc));
  for (uint32_t i = 0; i < nc; i++) p.consts[i] = cv.As<Napi::Array>().Get(i).As<Napi::Number>().Int32Value();
  for (int32_t i = 0; i < d->n_rq; i++)
    if (p.rq[i].div < 0 || p.rq[i].div > 31) throw Napi::RangeError::New(v.Env(), "Expected params.rq[" + std::to_string(i) + "] div in 0..31 but received " + std::to_string(p.rq[i].div));
  th_status st = th_check_params(id, &p);
  if (st != TH_OK) throw Napi::RangeError::New(v.Env(), std::string("Invalid params for ") + d->name + ": " + StatusName(st) + " (S=" + std::to_string(p.shape.S) + " E=" + std::to_string(p.shape.E) + " P=" + std::to_string(p.shape.P) + " H=" + std::to_string(p.shape.H) + " T=" + std::to_string(p.shape.T) + ")");
  return p;
}

int32_t CoresArg(const Napi::Value &v) {
  if (v.IsUndefined()) return 1;
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "Expected a number for cores but received " + v.ToString().Utf8Value());
  int32_t c = v.As<Napi::Number>().Int32Value();
  if (c < 1 || c > TH_MAX_CORES) throw Napi::RangeError::New(v.Env(), "Expected cores in 1.." + std::to_string(TH_MAX_CORES) + " but received " + std::to_string(c));
  return c;
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
  if (!info[2].IsArray()) throw Napi::TypeError::New(info.Env(), std::string("Expected an array of ") + std::to_string(d->n_inputs) + " input buffers for " + d->name + " but received " + info[2].ToString().Utf8Value());
  Napi::Array arr = info[2].As<Napi::Array>();
  if ((int32_t)arr.Length() != d->n_inputs) throw Napi::RangeError::New(info.Env(), std::string("Expected ") + std::to_string(d->n_inputs) + " inputs for " + d->name + " but received " + std::to_string(arr.Length()));
  size_t counts[TH_MAX_INPUTS], out_count = 0;
  if (th_kernel_sizes(job.id, &job.params.shape, counts, &out_count) != TH_OK) throw Napi::RangeError::New(info.Env(), std::string("Shape too large for ") + d->name);
  for (int32_t i = 0; i < d->n_inputs; i++) {
    Napi::Value b = arr.Get((uint32_t)i);
    if (!b.IsTypedArray()) throw Napi::TypeError::New(info.Env(), std::string("Expected a typed array for input ") + d->input_names[i] + " of " + d->name + " but received " + b.ToString().Utf8Value());
    Napi::TypedArray ta = b.As<Napi::TypedArray>();
    size_t want = counts[i] * th_dtype_size(d->input_types[i]);
    if (ta.ByteLength() != want) throw Napi::RangeError::New(info.Env(), std::string("Expected input ") + d->input_names[i] + " of " + d->name + " to be " + std::to_string(want) + " bytes (" + std::to_string(counts[i]) + " " + DtypeName(d->input_types[i]) + ") but received " + std::to_string(ta.ByteLength()));
    const uint8_t *src = static_cast<const uint8_t *>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    job.inputs.emplace_back(src, src + want);
  }
  job.output.resize(out_count * th_dtype_size(d->output_type));
  if (!reference) job.scratch.resize(th_scratch_bytes(job.id, &job.params.shape, job.cores));
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
  if (job.reference) {
    job.status = th_ref_run(job.id, &job.params, in.data(), job.output.data()) == 0 ? TH_OK : TH_ERR_ARG;
    return;
  }
  auto t0 = std::chrono::steady_clock::now();
  Barrier barrier(job.cores);
  std::vector<th_status> status(job.cores, TH_OK);
  auto slice = [&](int32_t core) {
    th_ctx ctx{core, job.cores, job.scratch.empty() ? nullptr : job.scratch.data(), job.scratch.size(), Barrier::Call, &barrier};
    status[core] = th_kernel_run(job.id, &job.params, in.data(), job.output.data(), &ctx);
  };
  std::vector<std::thread> threads;
  for (int32_t c = 1; c < job.cores; c++) threads.emplace_back(slice, c);
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
  if (th_kernel_sizes(id, &s, counts, &out_count) != TH_OK) throw Napi::RangeError::New(info.Env(), std::string("Shape too large for ") + th_kernel_get(id)->name);
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
  return Napi::Number::New(info.Env(), (double)th_scratch_bytes(id, &s, CoresArg(info[2])));
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
