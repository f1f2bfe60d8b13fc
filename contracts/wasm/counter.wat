;; A counter: increment, add(u64) with an overflow check, get.
;; ABI: counter.manifest.json. Host ABI and encoding: docs/wasm-contracts.md.
;; Storage: "count" -> u64 little-endian (absent reads as 0).
(module
  (import "cms" "storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "cms" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "cms" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "cms" "return_data" (func $return_data (param i32 i32)))
  (import "cms" "abort" (func $abort (param i32 i32)))

  (memory (export "memory") 1)

  ;; Memory map: 0x00 value buffer (8 bytes), 0x10 input (8 bytes), 0x100 constants.
  (data (i32.const 0x100) "count")
  (data (i32.const 0x110) "counter overflow")
  (data (i32.const 0x130) "add takes one u64 (8 bytes)")

  (func $load (result i64)
    (if (result i64)
        (i32.eq (call $storage_read (i32.const 0x100) (i32.const 5) (i32.const 0x00) (i32.const 8))
                (i32.const 8))
      (then (i64.load (i32.const 0x00)))
      (else (i64.const 0))))

  ;; Store the new count and return it.
  (func $store_and_return (param $value i64)
    (i64.store (i32.const 0x00) (local.get $value))
    (call $storage_write (i32.const 0x100) (i32.const 5) (i32.const 0x00) (i32.const 8))
    (call $return_data (i32.const 0x00) (i32.const 8)))

  (func $add (param $amount i64)
    (local $count i64)
    (local.set $count (i64.add (call $load) (local.get $amount)))
    ;; Unsigned wrap-around means the sum overflowed u64.
    (if (i64.lt_u (local.get $count) (local.get $amount))
      (then (call $abort (i32.const 0x110) (i32.const 16)) (unreachable)))
    (call $store_and_return (local.get $count)))

  (func (export "increment")
    (call $add (i64.const 1)))

  (func (export "add")
    (if (i32.ne (call $input_read (i32.const 0x10) (i32.const 8)) (i32.const 8))
      (then (call $abort (i32.const 0x130) (i32.const 27)) (unreachable)))
    (call $add (i64.load (i32.const 0x10))))

  (func (export "get")
    (i64.store (i32.const 0x00) (call $load))
    (call $return_data (i32.const 0x00) (i32.const 8)))
)
