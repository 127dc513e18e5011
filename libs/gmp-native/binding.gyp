{
  "targets": [
    {
      "target_name": "distlab_gmp",
      "sources": ["src/gmp_binding.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "libraries": ["-l:libgmp.so.10"]
    }
  ]
}
