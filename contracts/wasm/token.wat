;; A fungible token: init mints a fixed u64 supply to the deployer; transfer, transferBatch
;; (many transfers in one call: all or nothing), balanceOf, totalSupply; a Transfer event
;; (from, to, amount) for the mint and every transfer.
;; ABI: token.manifest.json. Host ABI and encoding: docs/wasm-contracts.md.
;; Storage: "b" + address (21 bytes) -> u64 balance (removed when zero); "s" -> u64 supply.
(module
  (import "cms" "storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "cms" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "cms" "storage_remove" (func $storage_remove (param i32 i32)))
  (import "cms" "emit_event" (func $emit_event (param i32 i32 i32 i32)))
  (import "cms" "caller" (func $caller (param i32)))
  (import "cms" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "cms" "return_data" (func $return_data (param i32 i32)))
  (import "cms" "abort" (func $abort (param i32 i32)))

  (memory (export "memory") 2)

  ;; Memory map:
  ;;   0x000 caller (20 bytes)
  ;;   0x020 input: transfer = to (20) + amount (8); balanceOf = account (20); init = supply (8)
  ;;   0x100 storage key: "b" + address (21 bytes)
  ;;   0x120 storage value (8 bytes)
  ;;   0x140 Transfer event data: from (20) + to (20) + amount (8)
  ;;   0x180 return data
  ;;   0x200 constants
;;   0x10000 transferBatch input (up to 64 KiB): count, addresses, count, amounts
  (data (i32.const 0x200) "Transfer")
  (data (i32.const 0x210) "s")
  (data (i32.const 0x220) "insufficient balance")
  (data (i32.const 0x240) "balance overflow")
  (data (i32.const 0x260) "invalid input length")
  (data (i32.const 0x280) "already initialised")
  (data (i32.const 0x2a0) "to and amount differ in length")

  (func $fail (param $message i32) (param $length i32)
    (call $abort (local.get $message) (local.get $length))
    (unreachable))

  ;; Read the input to 0x020; it must be exactly $size bytes.
  (func $expect_input (param $size i32)
    (if (i32.ne (call $input_read (i32.const 0x020) (local.get $size)) (local.get $size))
      (then (call $fail (i32.const 0x260) (i32.const 20)))))

  ;; The key of an address's balance, built at 0x100.
  (func $balance_key (param $address i32)
    (i32.store8 (i32.const 0x100) (i32.const 0x62)) ;; "b"
    (memory.copy (i32.const 0x101) (local.get $address) (i32.const 20)))

  (func $balance (param $address i32) (result i64)
    (call $balance_key (local.get $address))
    (if (result i64)
        (i32.eq (call $storage_read (i32.const 0x100) (i32.const 21) (i32.const 0x120) (i32.const 8))
                (i32.const 8))
      (then (i64.load (i32.const 0x120)))
      (else (i64.const 0))))

  (func $set_balance (param $address i32) (param $value i64)
    (call $balance_key (local.get $address))
    (if (i64.eqz (local.get $value))
      (then (call $storage_remove (i32.const 0x100) (i32.const 21)))
      (else
        (i64.store (i32.const 0x120) (local.get $value))
        (call $storage_write (i32.const 0x100) (i32.const 21) (i32.const 0x120) (i32.const 8)))))

  (func $emit_transfer (param $from i32) (param $to i32) (param $amount i64)
    (memory.copy (i32.const 0x140) (local.get $from) (i32.const 20))
    (memory.copy (i32.const 0x154) (local.get $to) (i32.const 20))
    (i64.store (i32.const 0x168) (local.get $amount))
    (call $emit_event (i32.const 0x200) (i32.const 8) (i32.const 0x140) (i32.const 48)))

  (func $return_u64 (param $value i64)
    (i64.store (i32.const 0x180) (local.get $value))
    (call $return_data (i32.const 0x180) (i32.const 8)))

  ;; init(supply: u64): the deployer holds the whole supply.
  (func (export "init")
    (local $supply i64)
    (if (i32.ne (call $storage_read (i32.const 0x210) (i32.const 1) (i32.const 0x120) (i32.const 8))
                (i32.const -1))
      (then (call $fail (i32.const 0x280) (i32.const 19))))
    (call $expect_input (i32.const 8))
    (local.set $supply (i64.load (i32.const 0x020)))
    (call $caller (i32.const 0x000))
    (i64.store (i32.const 0x120) (local.get $supply))
    (call $storage_write (i32.const 0x210) (i32.const 1) (i32.const 0x120) (i32.const 8))
    (call $set_balance (i32.const 0x000) (local.get $supply))
    (memory.fill (i32.const 0x060) (i32.const 0) (i32.const 20)) ;; address(0) at 0x060
    (call $emit_transfer (i32.const 0x060) (i32.const 0x000) (local.get $supply)))

;; Move amount from the address at $from to the address at $to, with a Transfer event.
  (func $move (param $from i32) (param $to i32) (param $amount i64)
    (local $balance i64)
    (local.set $balance (call $balance (local.get $from)))
    (if (i64.lt_u (local.get $balance) (local.get $amount))
      (then (call $fail (i32.const 0x220) (i32.const 20))))
    (call $set_balance (local.get $from) (i64.sub (local.get $balance) (local.get $amount)))
    ;; Read the receiver after the debit: a transfer to oneself nets to zero.
    (local.set $balance (i64.add (call $balance (local.get $to)) (local.get $amount)))
    (if (i64.lt_u (local.get $balance) (local.get $amount))
      (then (call $fail (i32.const 0x240) (i32.const 16))))
    (call $set_balance (local.get $to) (local.get $balance))
    (call $emit_transfer (local.get $from) (local.get $to) (local.get $amount)))

  (func $return_true
    (i32.store8 (i32.const 0x180) (i32.const 1))
    (call $return_data (i32.const 0x180) (i32.const 1)))

  ;; transfer(to: address, amount: u64) -> bool
  (func (export "transfer")
    (call $expect_input (i32.const 28))
    (call $caller (i32.const 0x000))
    (call $move (i32.const 0x000) (i32.const 0x020) (i64.load (i32.const 0x034)))
    (call $return_true))

  ;; transferBatch(to: address[], amount: u64[]) -> bool: every transfer or none.
  (func (export "transferBatch")
    (local $size i32) (local $count i32) (local $amounts i32) (local $i i32)
    (local.set $size (call $input_read (i32.const 0x10000) (i32.const 0x10000)))
    (if (i32.lt_u (local.get $size) (i32.const 8))
      (then (call $fail (i32.const 0x260) (i32.const 20))))
    (local.set $count (i32.load (i32.const 0x10000)))
    ;; the addresses must fit before the second count is read
    (if (i32.or (i32.gt_u (local.get $count) (i32.const 0x1000))
                (i32.lt_u (local.get $size)
                          (i32.add (i32.const 8) (i32.mul (local.get $count) (i32.const 20)))))
      (then (call $fail (i32.const 0x260) (i32.const 20))))
    (local.set $amounts (i32.add (i32.const 0x10004) (i32.mul (local.get $count) (i32.const 20))))
    (if (i32.ne (i32.load (local.get $amounts)) (local.get $count))
      (then (call $fail (i32.const 0x2a0) (i32.const 30))))
    ;; 8 + 28 * count bytes in all
    (if (i32.ne (local.get $size) (i32.add (i32.const 8) (i32.mul (local.get $count) (i32.const 28))))
      (then (call $fail (i32.const 0x260) (i32.const 20))))
    (local.set $amounts (i32.add (local.get $amounts) (i32.const 4)))
    (call $caller (i32.const 0x000))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (call $move (i32.const 0x000)
                    (i32.add (i32.const 0x10004) (i32.mul (local.get $i) (i32.const 20)))
                    (i64.load (i32.add (local.get $amounts) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $return_true))

  ;; balanceOf(account: address) -> u64
  (func (export "balanceOf")
    (call $expect_input (i32.const 20))
    (call $return_u64 (call $balance (i32.const 0x020))))

  ;; totalSupply() -> u64
  (func (export "totalSupply")
    (call $return_u64
      (if (result i64)
          (i32.eq (call $storage_read (i32.const 0x210) (i32.const 1) (i32.const 0x120) (i32.const 8))
                  (i32.const 8))
        (then (i64.load (i32.const 0x120)))
        (else (i64.const 0)))))
)
