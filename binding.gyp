{
  "targets": [
    {
      "target_name": "tsbpf",
      "sources": ["native/bpf.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
