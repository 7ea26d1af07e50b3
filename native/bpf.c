/*
 * tsbpf native shim: the system calls Node lacks, and nothing else.
 *
 * Every function takes positional primitives and byte buffers prepared in TypeScript.
 * No struct layouts, no retries, no policy live here. A failed call throws an Error with
 * `errno`, `code` (the errno name) and `syscall`, except `bpfRet`, which returns -errno so
 * hot paths (a lookup miss, the end of key iteration) pay for no exception.
 *
 * The errno name comes from glibc's strerrorname_np (glibc >= 2.32). Elsewhere (musl, older
 * glibc) `code` is left out and the message carries the number; TypeScript names errno values
 * itself (src/sys/errno.ts), so nothing depends on `code`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <node_api.h>
#include <uv.h>

#define CHECK(env, call)                                                        \
  do {                                                                          \
    if ((call) != napi_ok) {                                                    \
      napi_throw_error((env), "EINTERNAL", "tsbpf native: " #call " failed");    \
      return NULL;                                                              \
    }                                                                           \
  } while (0)

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
#define errno_name(err) strerrorname_np(err)
#else
#define errno_name(err) ((const char *)NULL)
#endif

static napi_value throw_errno(napi_env env, const char *syscall_name, int err) {
  const char *name = errno_name(err);
  char msg[256];
  if (name) snprintf(msg, sizeof msg, "%s: %s (%s)", syscall_name, name, strerror(err));
  else snprintf(msg, sizeof msg, "%s: errno %d (%s)", syscall_name, err, strerror(err));
  napi_value message, error, v;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_create_int32(env, err, &v);
  napi_set_named_property(env, error, "errno", v);
  if (name) {
    napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, error, "code", v);
  }
  napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, error, "syscall", v);
  napi_throw(env, error);
  return NULL;
}

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return -1;
  if (t == napi_null || t == napi_undefined) {
    *data = NULL;
    *len = 0;
    return 0;
  }
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (is_ta) {
    napi_typedarray_type tt;
    size_t n;
    void *p;
    if (napi_get_typedarray_info(env, v, &tt, &n, &p, NULL, NULL) != napi_ok) return -1;
    if (tt != napi_uint8_array) return -1;
    *data = p;
    *len = n;
    return 0;
  }
  bool is_ab = false;
  napi_is_arraybuffer(env, v, &is_ab);
  if (is_ab) {
    void *p;
    size_t n;
    if (napi_get_arraybuffer_info(env, v, &p, &n) != napi_ok) return -1;
    *data = p;
    *len = n;
    return 0;
  }
  return -1;
}

#define GET_BYTES(env, v, data, len)                                           \
  do {                                                                          \
    if (get_bytes((env), (v), (data), (len)) != 0) {                            \
      napi_throw_type_error((env), NULL, "expected a Uint8Array");              \
      return NULL;                                                              \
    }                                                                           \
  } while (0)

/* Writes each buffer's address into attr at its offset: ptrs = [off, buf, off, buf, ...]. */
static int patch_pointers(napi_env env, napi_value ptrs, uint8_t *attr, size_t attr_len) {
  napi_valuetype t;
  napi_typeof(env, ptrs, &t);
  if (t == napi_undefined || t == napi_null) return 0;
  uint32_t n;
  if (napi_get_array_length(env, ptrs, &n) != napi_ok || n % 2 != 0) return -1;
  for (uint32_t i = 0; i < n; i += 2) {
    napi_value off_v, buf_v;
    uint32_t off;
    uint8_t *p;
    size_t len;
    napi_get_element(env, ptrs, i, &off_v);
    napi_get_element(env, ptrs, i + 1, &buf_v);
    if (napi_get_value_uint32(env, off_v, &off) != napi_ok) return -1;
    if (get_bytes(env, buf_v, &p, &len) != 0) return -1;
    if ((size_t)off + 8 > attr_len) return -1;
    uint64_t addr = (uint64_t)(uintptr_t)p;
    memcpy(attr + off, &addr, 8);
  }
  return 0;
}

static long sys_bpf(int cmd, uint8_t *attr, size_t len) {
  return syscall(__NR_bpf, cmd, attr, (unsigned int)len);
}

/* bpf(cmd, attr, ptrs?) -> result; throws on failure. */
static napi_value js_bpf(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t cmd;
  uint8_t *attr;
  size_t len;
  CHECK(env, napi_get_value_int32(env, argv[0], &cmd));
  GET_BYTES(env, argv[1], &attr, &len);
  if (argc > 2 && patch_pointers(env, argv[2], attr, len) != 0) {
    napi_throw_type_error(env, NULL, "bpf: bad pointer list");
    return NULL;
  }
  long r = sys_bpf(cmd, attr, len);
  if (r < 0) return throw_errno(env, "bpf", errno);
  napi_value out;
  CHECK(env, napi_create_int64(env, r, &out));
  return out;
}

/* bpfRet(cmd, attr) -> result, or -errno; never throws for a kernel error. */
static napi_value js_bpf_ret(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t cmd;
  uint8_t *attr;
  size_t len;
  CHECK(env, napi_get_value_int32(env, argv[0], &cmd));
  GET_BYTES(env, argv[1], &attr, &len);
  long r = sys_bpf(cmd, attr, len);
  napi_value out;
  CHECK(env, napi_create_int32(env, r < 0 ? -errno : (int32_t)r, &out));
  return out;
}

/*
 * bpfNextKeys(cmd, attr, keyOffset, nextKeyOffset, keys, keySize, max) -> count, or -errno.
 * Up to `max` bpf(cmd) calls (BPF_MAP_GET_NEXT_KEY), each writing its key into the next keySize
 * bytes of `keys` and starting from the key the call before wrote: call i gets the address of
 * keys[i * keySize] at nextKeyOffset and, after the first, the address of the previous key at
 * keyOffset (the first call uses the attr as given). Stops at the first failure: returns how many
 * keys were written, or -errno when the very first call failed (an error after a key is met
 * again by the next call, which starts from that key). Never throws for a kernel error.
 */
static napi_value js_bpf_next_keys(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t cmd;
  uint32_t key_off, next_off, key_size, max;
  uint8_t *attr, *keys;
  size_t len, keys_len;
  CHECK(env, napi_get_value_int32(env, argv[0], &cmd));
  GET_BYTES(env, argv[1], &attr, &len);
  CHECK(env, napi_get_value_uint32(env, argv[2], &key_off));
  CHECK(env, napi_get_value_uint32(env, argv[3], &next_off));
  GET_BYTES(env, argv[4], &keys, &keys_len);
  CHECK(env, napi_get_value_uint32(env, argv[5], &key_size));
  CHECK(env, napi_get_value_uint32(env, argv[6], &max));
  /* TypeScript checks all of this first; checked again so no call can write outside `keys`. */
  if ((size_t)key_off + 8 > len || (size_t)next_off + 8 > len || key_size == 0 ||
      max > INT32_MAX || keys_len / key_size < max) {
    napi_throw_range_error(env, "ERR_TSBPF_RANGE", "bpfNextKeys: offsets past the attr, or keys shorter than max * keySize");
    return NULL;
  }
  uint32_t n = 0;
  int err = 0;
  for (; n < max; n++) {
    uint64_t out = (uint64_t)(uintptr_t)(keys + (size_t)n * key_size);
    if (n > 0) {
      uint64_t prev = out - key_size;
      memcpy(attr + key_off, &prev, 8);
    }
    memcpy(attr + next_off, &out, 8);
    if (sys_bpf(cmd, attr, len) < 0) {
      err = errno;
      break;
    }
  }
  napi_value v;
  CHECK(env, napi_create_int32(env, n == 0 && err ? -err : (int32_t)n, &v));
  return v;
}

/* addressOf(buf) -> bigint. The buffer's memory stays put while the buffer is alive. */
static napi_value js_address_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *p;
  size_t len;
  GET_BYTES(env, argv[0], &p, &len);
  napi_value out;
  CHECK(env, napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)p, &out));
  return out;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  CHECK(env, napi_get_value_int32(env, argv[0], &fd));
  if (close(fd) < 0) return throw_errno(env, "close", errno);
  return NULL;
}

/* perfEventOpen(attr, pid, cpu, groupFd, flags, ptrs?) -> fd. */
static napi_value js_perf_event_open(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *attr;
  size_t len;
  int32_t pid, cpu, group;
  uint32_t flags;
  GET_BYTES(env, argv[0], &attr, &len);
  uint32_t size = 0;
  if (len >= 8) memcpy(&size, attr + 4, 4);
  if (len < 8 || size > len) { /* the kernel reads attr.size bytes */
    napi_throw_range_error(env, "ERR_TSBPF_RANGE", "perf_event_open: attr.size exceeds the attr buffer");
    return NULL;
  }
  CHECK(env, napi_get_value_int32(env, argv[1], &pid));
  CHECK(env, napi_get_value_int32(env, argv[2], &cpu));
  CHECK(env, napi_get_value_int32(env, argv[3], &group));
  CHECK(env, napi_get_value_uint32(env, argv[4], &flags));
  if (argc > 5 && patch_pointers(env, argv[5], attr, len) != 0) {
    napi_throw_type_error(env, NULL, "perf_event_open: bad pointer list");
    return NULL;
  }
  long r = syscall(__NR_perf_event_open, attr, pid, cpu, group, (unsigned long)flags);
  if (r < 0) return throw_errno(env, "perf_event_open", errno);
  napi_value out;
  CHECK(env, napi_create_int32(env, (int32_t)r, &out));
  return out;
}

/* ioctl(fd, request, arg) with a numeric arg (no buffer form: nothing here passes memory by ioctl). */
static napi_value js_ioctl(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  int64_t req, arg = 0;
  CHECK(env, napi_get_value_int32(env, argv[0], &fd));
  CHECK(env, napi_get_value_int64(env, argv[1], &req));
  if (argc > 2) CHECK(env, napi_get_value_int64(env, argv[2], &arg));
  int r = ioctl(fd, (unsigned long)req, (unsigned long)arg);
  if (r < 0) return throw_errno(env, "ioctl", errno);
  napi_value out;
  CHECK(env, napi_create_int32(env, r, &out));
  return out;
}

/* socket(domain, type, protocol) -> fd. */
static napi_value js_socket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t d, ty, p;
  CHECK(env, napi_get_value_int32(env, argv[0], &d));
  CHECK(env, napi_get_value_int32(env, argv[1], &ty));
  CHECK(env, napi_get_value_int32(env, argv[2], &p));
  int r = socket(d, ty, p);
  if (r < 0) return throw_errno(env, "socket", errno);
  napi_value out;
  CHECK(env, napi_create_int32(env, r, &out));
  return out;
}

/* setsockopt(fd, level, name, value) with value as bytes. */
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, level, name;
  uint8_t *p;
  size_t len;
  CHECK(env, napi_get_value_int32(env, argv[0], &fd));
  CHECK(env, napi_get_value_int32(env, argv[1], &level));
  CHECK(env, napi_get_value_int32(env, argv[2], &name));
  GET_BYTES(env, argv[3], &p, &len);
  if (setsockopt(fd, level, name, p, (socklen_t)len) < 0) return throw_errno(env, "setsockopt", errno);
  return NULL;
}

/*
 * Handles: a mapping (an ArrayBuffer made by mmap) and a poller (an external made by pollStart).
 * Their C records can never be reached freed:
 * - the JS value is type-tagged, so a value of another kind (a poll handle given to munmap, a
 *   plain object, a foreign ArrayBuffer) is refused before any pointer is read;
 * - a record counts its owners (the JS values whose finalizers let go of it, and a poller's libuv
 *   handle until its close callback) and the last one frees it, in whatever order GC runs them;
 * - a released resource (unmapped, stopped) keeps its record, so a second release is a TypeError.
 */
static const napi_type_tag MAPPING_TAG = {0x9b1f3c2a6d0e4a71ULL, 0x8c5d2e7f1a3b4c60ULL};
static const napi_type_tag POLLER_TAG = {0x3e8a7b1c5f2d4e93ULL, 0xa1c4e6f8b2d0e5a7ULL};

/* The record behind a value tagged `tag` (wrapped in an object, or an external), or NULL after throwing. */
static void *tagged(napi_env env, napi_value v, const napi_type_tag *tag, int wrapped, const char *what) {
  napi_valuetype t;
  bool ok = false;
  void *p = NULL;
  if (napi_typeof(env, v, &t) == napi_ok && (t == napi_object || t == napi_external) &&
      napi_check_object_type_tag(env, v, tag, &ok) == napi_ok && ok &&
      (wrapped ? napi_unwrap(env, v, &p) : napi_get_value_external(env, v, &p)) == napi_ok && p)
    return p;
  napi_throw_type_error(env, "ERR_TSBPF_HANDLE", what);
  return NULL;
}

static napi_value throw_released(napi_env env, const char *what) {
  napi_throw_type_error(env, "ERR_TSBPF_RELEASED", what);
  return NULL;
}

typedef struct {
  void *addr;
  size_t len;
  int mapped;
  int owners; /* the ArrayBuffer's memory and its wrap, each let go by its own finalizer */
} mapping_t;

static void mapping_release(mapping_t *m) {
  if (--m->owners == 0) free(m);
}

/* The ArrayBuffer's memory was let go (collected or detached): nothing can read the mapping now. */
static void mapping_memory_freed(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  mapping_t *m = hint;
  if (m->mapped) {
    m->mapped = 0;
    munmap(m->addr, m->len);
  }
  mapping_release(m);
}

static void mapping_wrap_freed(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  mapping_release(data);
}

/* mmap(fd, length, prot, flags, offset) -> ArrayBuffer over the mapping, unmapped by munmap or GC. */
static napi_value js_mmap(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, prot, flags;
  int64_t len, off;
  CHECK(env, napi_get_value_int32(env, argv[0], &fd));
  CHECK(env, napi_get_value_int64(env, argv[1], &len));
  CHECK(env, napi_get_value_int32(env, argv[2], &prot));
  CHECK(env, napi_get_value_int32(env, argv[3], &flags));
  CHECK(env, napi_get_value_int64(env, argv[4], &off));
  if (len <= 0 || off < 0) {
    napi_throw_range_error(env, "ERR_TSBPF_RANGE", "mmap: length must be > 0 and offset >= 0");
    return NULL;
  }
  mapping_t *m = malloc(sizeof *m);
  if (!m) return throw_errno(env, "mmap", ENOMEM);
  void *p = mmap(NULL, (size_t)len, prot, flags, fd, (off_t)off);
  if (p == MAP_FAILED) {
    int err = errno;
    free(m);
    return throw_errno(env, "mmap", err);
  }
  *m = (mapping_t){p, (size_t)len, 1, 1};
  napi_value ab;
  if (napi_create_external_arraybuffer(env, p, (size_t)len, mapping_memory_freed, m, &ab) != napi_ok) {
    munmap(p, (size_t)len);
    free(m);
    napi_throw_error(env, "EINTERNAL", "mmap: cannot create external ArrayBuffer");
    return NULL;
  }
  m->owners++;
  if (napi_type_tag_object(env, ab, &MAPPING_TAG) != napi_ok || napi_wrap(env, ab, m, mapping_wrap_freed, NULL, NULL) != napi_ok) {
    m->owners--;
    napi_detach_arraybuffer(env, ab); /* its finalizer unmaps and frees */
    napi_throw_error(env, "EINTERNAL", "mmap: cannot tag the ArrayBuffer");
    return NULL;
  }
  return ab;
}

/* munmap(arrayBuffer): unmaps now and detaches the buffer; a second call throws. */
static napi_value js_munmap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  mapping_t *m = tagged(env, argv[0], &MAPPING_TAG, 1, "munmap: not a buffer made by mmap()");
  if (!m) return NULL;
  if (!m->mapped) return throw_released(env, "munmap: already unmapped");
  /* Not mapped any more as far as the finalizer knows, whenever detaching runs it. */
  m->mapped = 0;
  if (napi_detach_arraybuffer(env, argv[0]) != napi_ok) {
    m->mapped = 1;
    napi_throw_error(env, "EINTERNAL", "munmap: cannot detach the buffer");
    return NULL;
  }
  if (munmap(m->addr, m->len) < 0) return throw_errno(env, "munmap", errno);
  return NULL;
}

typedef struct {
  uv_poll_t handle; /* first: libuv hands it back to the callbacks */
  napi_env env;
  napi_ref callback;
  napi_async_context async;
  int stopped;
  int owners; /* the external (until finalized) and the libuv handle (until closed) */
} poller_t;

static void poller_release(poller_t *p) {
  if (--p->owners == 0) free(p);
}

static void poll_closed(uv_handle_t *h) {
  poller_release((poller_t *)h);
}

static void poller_stop(napi_env env, poller_t *p) {
  p->stopped = 1;
  uv_poll_stop(&p->handle);
  napi_delete_reference(env, p->callback);
  napi_async_destroy(env, p->async);
  uv_close((uv_handle_t *)&p->handle, poll_closed);
}

/* The handle's JS value was collected: stop a poller that nobody can stop any more. */
static void poller_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  poller_t *p = data;
  if (!p->stopped) poller_stop(env, p);
  poller_release(p);
}

static void poll_cb(uv_poll_t *h, int status, int events) {
  poller_t *p = (poller_t *)h;
  if (p->stopped) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value cb, recv, argv[2], result;
  napi_get_reference_value(env, p->callback, &cb);
  /* napi_make_callback wants an object receiver: undefined makes it fail without calling. */
  napi_get_global(env, &recv);
  napi_create_int32(env, status, &argv[0]);
  napi_create_int32(env, events, &argv[1]);
  if (napi_make_callback(env, p->async, recv, cb, 2, argv, &result) == napi_pending_exception) {
    /* Nothing above us can catch it: report it as uncaught, as Node does for its own callbacks. */
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

/* pollStart(fd, callback(status, events)) -> handle: calls back each time fd is readable. */
static napi_value js_poll_start(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  napi_valuetype t;
  CHECK(env, napi_get_value_int32(env, argv[0], &fd));
  CHECK(env, napi_typeof(env, argv[1], &t));
  if (fd < 0 || t != napi_function) {
    napi_throw_type_error(env, "ERR_TSBPF_HANDLE", "pollStart: expected an fd >= 0 and a callback");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  poller_t *p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, "uv_poll_init", ENOMEM);
  int r = uv_poll_init(loop, &p->handle, fd);
  if (r < 0) {
    free(p);
    return throw_errno(env, "uv_poll_init", -r);
  }
  p->env = env;
  p->owners = 1;
  napi_value name;
  napi_create_string_utf8(env, "tsbpf.poll", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &p->async);
  napi_create_reference(env, argv[1], 1, &p->callback);
  r = uv_poll_start(&p->handle, UV_READABLE, poll_cb);
  if (r < 0) {
    poller_stop(env, p);
    return throw_errno(env, "uv_poll_start", -r);
  }
  napi_value ext;
  if (napi_create_external(env, p, poller_finalize, NULL, &ext) != napi_ok) {
    poller_stop(env, p);
    napi_throw_error(env, "EINTERNAL", "pollStart: cannot create the handle");
    return NULL;
  }
  p->owners++;
  if (napi_type_tag_object(env, ext, &POLLER_TAG) != napi_ok) {
    poller_stop(env, p); /* the external's finalizer lets go of its share */
    napi_throw_error(env, "EINTERNAL", "pollStart: cannot tag the handle");
    return NULL;
  }
  return ext;
}

/* pollStop(handle): stops watching; a second call throws. */
static napi_value js_poll_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  poller_t *p = tagged(env, argv[0], &POLLER_TAG, 0, "pollStop: not a handle made by pollStart()");
  if (!p) return NULL;
  if (p->stopped) return throw_released(env, "pollStop: already stopped");
  poller_stop(env, p);
  return NULL;
}

/* pollRef(handle, on): whether a live poller keeps the event loop alive. */
static napi_value js_poll_ref(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  poller_t *p = tagged(env, argv[0], &POLLER_TAG, 0, "pollRef: not a handle made by pollStart()");
  if (!p) return NULL;
  bool on;
  CHECK(env, napi_get_value_bool(env, argv[1], &on));
  if (p->stopped) return throw_released(env, "pollRef: already stopped");
  if (on) uv_ref((uv_handle_t *)&p->handle);
  else uv_unref((uv_handle_t *)&p->handle);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"bpf", NULL, js_bpf, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bpfRet", NULL, js_bpf_ret, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bpfNextKeys", NULL, js_bpf_next_keys, NULL, NULL, NULL, napi_enumerable, NULL},
      {"addressOf", NULL, js_address_of, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"perfEventOpen", NULL, js_perf_event_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ioctl", NULL, js_ioctl, NULL, NULL, NULL, napi_enumerable, NULL},
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setsockopt", NULL, js_setsockopt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mmap", NULL, js_mmap, NULL, NULL, NULL, napi_enumerable, NULL},
      {"munmap", NULL, js_munmap, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollStart", NULL, js_poll_start, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollStop", NULL, js_poll_stop, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pollRef", NULL, js_poll_ref, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
