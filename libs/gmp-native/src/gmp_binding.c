/*
 * A Node-API binding to the system's GMP (libgmp.so.10), exposing the handful of mpz functions the factorial worker
 * uses, under the names and calling conventions of gmp-wasm's binding, so that one product-tree implementation runs on
 * either. GMP on the machine multiplies and converts about three times faster than GMP compiled to WebAssembly
 * (x86-64 assembly and 64-bit limbs against portable C and 32-bit limbs).
 *
 * Why the declarations below instead of <gmp.h>: the header comes with libgmp-dev, which a machine need not have,
 * while libgmp.so.10 is on every Debian and Ubuntu system (coreutils pre-depends on it). GMP has kept this binary
 * interface (the mpz struct and the __gmpz_* symbols) unchanged since version 4. We never look inside an mpz; we only
 * allocate room for one.
 *
 * Handles: a number per mpz, an index into a table owned by this module's instance (one per thread that loads it),
 * so handles never leak between threads. mpz_t() reserves a slot, mpz_t_free() returns it; as in gmp-wasm, mpz_init
 * and mpz_clear manage the number's limbs.
 */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int alloc;
  int size;
  void *limbs;
} mpz_struct;

void __gmpz_init(mpz_struct *x);
void __gmpz_clear(mpz_struct *x);
void __gmpz_set_ui(mpz_struct *x, unsigned long value);
void __gmpz_mul_ui(mpz_struct *result, const mpz_struct *a, unsigned long b);
void __gmpz_mul(mpz_struct *result, const mpz_struct *a, const mpz_struct *b);
void __gmpz_fac_ui(mpz_struct *result, unsigned long n);
void __gmpz_ui_pow_ui(mpz_struct *result, unsigned long base, unsigned long exponent);
void __gmpz_tdiv_qr(mpz_struct *quotient, mpz_struct *remainder, const mpz_struct *n, const mpz_struct *d);
char *__gmpz_get_str(char *buffer, int base, const mpz_struct *x);
int __gmpz_set_str(mpz_struct *x, const char *text, int base);
size_t __gmpz_sizeinbase(const mpz_struct *x, int base);
void *__gmpz_export(void *buffer, size_t *count, int order, size_t size, int endian, size_t nails, const mpz_struct *x);
void __gmpz_import(mpz_struct *x, size_t count, int order, size_t size, int endian, size_t nails, const void *buffer);

typedef struct {
  mpz_struct **slots;
  uint32_t capacity;
  uint32_t *free_list;
  uint32_t free_count;
} handle_table;

#define THROW_IF(condition, message)                                                                                  \
  do {                                                                                                               \
    if (condition) {                                                                                                 \
      napi_throw_error(env, NULL, message);                                                                          \
      return NULL;                                                                                                   \
    }                                                                                                                \
  } while (0)

#define CHECK(call) THROW_IF((call) != napi_ok, "gmp-native: " #call " failed")

static handle_table *table_of(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return (handle_table *)data;
}

static void table_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  handle_table *table = (handle_table *)data;
  for (uint32_t i = 0; i < table->capacity; i += 1) free(table->slots[i]);
  free(table->slots);
  free(table->free_list);
  free(table);
}

/* Reads a number that must be an unsigned integer below 2^53 (a handle, factor, exponent or base). */
static int read_uint(napi_env env, napi_value arg, uint64_t *out) {
  double value;
  if (napi_get_value_double(env, arg, &value) != napi_ok) return 0;
  if (!(value >= 0 && value <= 9007199254740991.0) || value != (double)(uint64_t)value) return 0;
  *out = (uint64_t)value;
  return 1;
}

/* Reads `count` arguments with read_uint. */
static int read_uints(napi_env env, napi_callback_info info, size_t count, uint64_t *out) {
  napi_value args[4];
  size_t given = 4;
  if (napi_get_cb_info(env, info, &given, args, NULL, NULL) != napi_ok || given < count) return 0;
  for (size_t i = 0; i < count; i += 1)
    if (!read_uint(env, args[i], &out[i])) return 0;
  return 1;
}

static mpz_struct *slot(napi_env env, uint64_t handle) {
  handle_table *table = table_of(env);
  if (handle >= table->capacity || table->slots[handle] == NULL) return NULL;
  return table->slots[handle];
}

static napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

static napi_value mpz_t_new(napi_env env, napi_callback_info info) {
  (void)info;
  handle_table *table = table_of(env);
  if (table->free_count == 0) {
    uint32_t grown = table->capacity == 0 ? 64 : table->capacity * 2;
    mpz_struct **slots = realloc(table->slots, grown * sizeof *slots);
    uint32_t *free_list = realloc(table->free_list, grown * sizeof *free_list);
    THROW_IF(slots == NULL || free_list == NULL, "gmp-native: out of memory");
    table->slots = slots;
    table->free_list = free_list;
    for (uint32_t i = table->capacity; i < grown; i += 1) {
      slots[i] = NULL;
      free_list[table->free_count++] = grown - 1 - (i - table->capacity);
    }
    table->capacity = grown;
  }
  uint32_t handle = table->free_list[--table->free_count];
  table->slots[handle] = calloc(1, sizeof(mpz_struct));
  THROW_IF(table->slots[handle] == NULL, "gmp-native: out of memory");
  return number(env, handle);
}

static napi_value mpz_t_free(napi_env env, napi_callback_info info) {
  uint64_t handle;
  THROW_IF(!read_uints(env, info, 1, &handle) || slot(env, handle) == NULL, "mpz_t_free: not a live handle");
  handle_table *table = table_of(env);
  free(table->slots[handle]);
  table->slots[handle] = NULL;
  table->free_list[table->free_count++] = (uint32_t)handle;
  return NULL;
}

/* Declares a binding taking `arity` unsigned arguments of which the first `handles` are mpz handles. */
#define BINDING(name, arity, handles, body)                                                                           \
  static napi_value name(napi_env env, napi_callback_info info) {                                                    \
    uint64_t a[4];                                                                                                   \
    mpz_struct *z[4] = {NULL, NULL, NULL, NULL};                                                                     \
    THROW_IF(!read_uints(env, info, arity, a), #name ": expected " #arity " unsigned integer arguments");             \
    for (int i = 0; i < handles; i += 1) {                                                                           \
      z[i] = slot(env, a[i]);                                                                                        \
      THROW_IF(z[i] == NULL, #name ": not a live handle");                                                           \
    }                                                                                                                \
    body;                                                                                                            \
    return NULL;                                                                                                     \
  }

BINDING(mpz_init, 1, 1, __gmpz_init(z[0]))
BINDING(mpz_clear, 1, 1, __gmpz_clear(z[0]))
BINDING(mpz_set_ui, 2, 1, __gmpz_set_ui(z[0], (unsigned long)a[1]))
BINDING(mpz_mul_ui, 3, 2, __gmpz_mul_ui(z[0], z[1], (unsigned long)a[2]))
BINDING(mpz_mul, 3, 3, __gmpz_mul(z[0], z[1], z[2]))
BINDING(mpz_fac_ui, 2, 1, __gmpz_fac_ui(z[0], (unsigned long)a[1]))
BINDING(mpz_ui_pow_ui, 3, 1, __gmpz_ui_pow_ui(z[0], (unsigned long)a[1], (unsigned long)a[2]))
BINDING(mpz_tdiv_qr, 4, 4, {
  THROW_IF(z[3]->size == 0, "mpz_tdiv_qr: division by zero");
  __gmpz_tdiv_qr(z[0], z[1], z[2], z[3]);
})

/* mpz_to_string(x, base): the digits in base 2..36, lower case, with a leading '-' when negative. */
static napi_value mpz_to_string(napi_env env, napi_callback_info info) {
  uint64_t a[2];
  THROW_IF(!read_uints(env, info, 2, a) || slot(env, a[0]) == NULL, "mpz_to_string: expected (handle, base)");
  THROW_IF(a[1] < 2 || a[1] > 36, "mpz_to_string: base must be 2..36");
  mpz_struct *x = slot(env, a[0]);
  size_t room = __gmpz_sizeinbase(x, (int)a[1]) + 2;
  char *text = malloc(room);
  THROW_IF(text == NULL, "gmp-native: out of memory");
  __gmpz_get_str(text, (int)a[1], x);
  napi_value result;
  napi_status status = napi_create_string_latin1(env, text, strlen(text), &result);
  free(text);
  CHECK(status);
  return result;
}

/*
 * mpz_to_bytes(x): |x| as an ArrayBuffer of 64-bit words, least significant first, in the machine's byte order: a
 * copy of GMP's limbs, for handing a number to another thread (a transferable buffer, no conversion either way).
 */
static napi_value mpz_to_bytes(napi_env env, napi_callback_info info) {
  uint64_t handle;
  THROW_IF(!read_uints(env, info, 1, &handle) || slot(env, handle) == NULL, "mpz_to_bytes: not a live handle");
  mpz_struct *x = slot(env, handle);
  size_t words = (__gmpz_sizeinbase(x, 2) + 63) / 64;
  void *data = NULL;
  napi_value buffer;
  CHECK(napi_create_arraybuffer(env, words * 8, &data, &buffer));
  size_t written = 0;
  if (x->size != 0) __gmpz_export(data, &written, -1, 8, 0, 0, x);
  if (written < words) memset((char *)data + written * 8, 0, (words - written) * 8);
  return buffer;
}

/* mpz_from_bytes(x, buffer): sets x from an ArrayBuffer written by mpz_to_bytes. */
static napi_value mpz_from_bytes(napi_env env, napi_callback_info info) {
  napi_value args[2];
  size_t given = 2;
  CHECK(napi_get_cb_info(env, info, &given, args, NULL, NULL));
  THROW_IF(given < 2, "mpz_from_bytes: expected (handle, buffer)");
  uint64_t handle;
  THROW_IF(!read_uint(env, args[0], &handle) || slot(env, handle) == NULL, "mpz_from_bytes: not a live handle");
  bool is_buffer = false;
  CHECK(napi_is_arraybuffer(env, args[1], &is_buffer));
  THROW_IF(!is_buffer, "mpz_from_bytes: expected an ArrayBuffer");
  void *data = NULL;
  size_t length = 0;
  CHECK(napi_get_arraybuffer_info(env, args[1], &data, &length));
  THROW_IF(length % 8 != 0, "mpz_from_bytes: the buffer's length must be a multiple of 8");
  __gmpz_import(slot(env, handle), length / 8, -1, 8, 0, 0, data);
  return NULL;
}

/* mpz_set_string(x, text, base): returns 0 on success, -1 when text is not a number in that base (as GMP does). */
static napi_value mpz_set_string(napi_env env, napi_callback_info info) {
  napi_value args[3];
  size_t given = 3;
  CHECK(napi_get_cb_info(env, info, &given, args, NULL, NULL));
  THROW_IF(given < 3, "mpz_set_string: expected (handle, text, base)");
  uint64_t handle, base;
  THROW_IF(!read_uint(env, args[0], &handle) || slot(env, handle) == NULL, "mpz_set_string: not a live handle");
  THROW_IF(!read_uint(env, args[2], &base) || base < 2 || base > 36, "mpz_set_string: base must be 2..36");
  size_t length;
  CHECK(napi_get_value_string_latin1(env, args[1], NULL, 0, &length));
  char *text = malloc(length + 1);
  THROW_IF(text == NULL, "gmp-native: out of memory");
  napi_get_value_string_latin1(env, args[1], text, length + 1, &length);
  int status = __gmpz_set_str(slot(env, handle), text, (int)base);
  free(text);
  return number(env, status);
}

NAPI_MODULE_INIT() {
  handle_table *table = calloc(1, sizeof *table);
  if (table == NULL || napi_set_instance_data(env, table, table_finalize, NULL) != napi_ok) return NULL;
  napi_property_descriptor functions[] = {
#define EXPORT(name) {#name, NULL, name, NULL, NULL, NULL, napi_enumerable, NULL}
      {"mpz_t", NULL, mpz_t_new, NULL, NULL, NULL, napi_enumerable, NULL},
      EXPORT(mpz_t_free),
      EXPORT(mpz_init),
      EXPORT(mpz_clear),
      EXPORT(mpz_set_ui),
      EXPORT(mpz_mul_ui),
      EXPORT(mpz_mul),
      EXPORT(mpz_fac_ui),
      EXPORT(mpz_ui_pow_ui),
      EXPORT(mpz_tdiv_qr),
      EXPORT(mpz_to_string),
      EXPORT(mpz_set_string),
      EXPORT(mpz_to_bytes),
      EXPORT(mpz_from_bytes),
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}
