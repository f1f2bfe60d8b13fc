;; An escrow between a buyer (the deployer), a seller and an arbiter.
;;   init(seller, arbiter)  -> Created
;;   deposit(amount)        Created -> Funded     only the buyer; amount > 0; Deposited(buyer, amount)
;;   release()              Funded  -> Released   the buyer or the arbiter; Released(seller, amount)
;;   refund()               Funded  -> Refunded   the seller or the arbiter; Refunded(buyer, amount)
;;   status() -> string, amount() -> u64, both read-only.
;; The caller is checked before the state. ABI: escrow.manifest.json. Host ABI and
;; encoding: docs/wasm-contracts.md.
;; Storage: "buyer", "seller", "arbiter" -> 20-byte addresses; "state" -> 1 byte (0 Created,
;; 1 Funded, 2 Released, 3 Refunded); "amount" -> u64 little-endian.
(module
  (import "cms" "storage_read" (func $storage_read (param i32 i32 i32 i32) (result i32)))
  (import "cms" "storage_write" (func $storage_write (param i32 i32 i32 i32)))
  (import "cms" "emit_event" (func $emit_event (param i32 i32 i32 i32)))
  (import "cms" "caller" (func $caller (param i32)))
  (import "cms" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "cms" "return_data" (func $return_data (param i32 i32)))
  (import "cms" "abort" (func $abort (param i32 i32)))

  (memory (export "memory") 1)

  ;; Memory map:
  ;;   0x000 caller (20)           0x020 input (up to 40)        0x060 an address read back (20)
  ;;   0x080 value buffer (8)      0x0a0 event data: address (20) + amount (8)
  ;;   0x100 storage keys          0x200 messages                0x300 status strings (u32 length + UTF-8)
  (data (i32.const 0x100) "buyer")
  (data (i32.const 0x108) "seller")
  (data (i32.const 0x110) "arbiter")
  (data (i32.const 0x118) "state")
  (data (i32.const 0x120) "amount")
  (data (i32.const 0x140) "Deposited")
  (data (i32.const 0x150) "Released")
  (data (i32.const 0x160) "Refunded")
  (data (i32.const 0x200) "invalid input length")                        ;; 20
  (data (i32.const 0x220) "already initialised")                         ;; 19
  (data (i32.const 0x240) "only the buyer can deposit")                  ;; 26
  (data (i32.const 0x260) "the escrow is not awaiting a deposit")        ;; 36
  (data (i32.const 0x290) "the amount must be positive")                 ;; 27
  (data (i32.const 0x2b0) "only the buyer or the arbiter can release")   ;; 41
  (data (i32.const 0x2e0) "only the seller or the arbiter can refund")   ;; 41
  (data (i32.const 0x310) "the escrow is not funded")                    ;; 24
  (data (i32.const 0x330) "not initialised")                             ;; 15
  (data (i32.const 0x380) "\07\00\00\00created")
  (data (i32.const 0x390) "\06\00\00\00funded")
  (data (i32.const 0x3a0) "\08\00\00\00released")
  (data (i32.const 0x3b0) "\08\00\00\00refunded")

  (func $fail (param $message i32) (param $length i32)
    (call $abort (local.get $message) (local.get $length))
    (unreachable))

  ;; Read the input to 0x020; it must be exactly $size bytes.
  (func $expect_input (param $size i32)
    (if (i32.ne (call $input_read (i32.const 0x020) (local.get $size)) (local.get $size))
      (then (call $fail (i32.const 0x200) (i32.const 20)))))

  ;; The state, or -1 before init.
  (func $state (result i32)
    (if (result i32)
        (i32.eq (call $storage_read (i32.const 0x118) (i32.const 5) (i32.const 0x080) (i32.const 1))
                (i32.const 1))
      (then (i32.load8_u (i32.const 0x080)))
      (else (i32.const -1))))

  (func $set_state (param $state i32)
    (i32.store8 (i32.const 0x080) (local.get $state))
    (call $storage_write (i32.const 0x118) (i32.const 5) (i32.const 0x080) (i32.const 1)))

  (func $amount (result i64)
    (if (result i64)
        (i32.eq (call $storage_read (i32.const 0x120) (i32.const 6) (i32.const 0x080) (i32.const 8))
                (i32.const 8))
      (then (i64.load (i32.const 0x080)))
      (else (i64.const 0))))

  ;; Whether the caller (at 0x000) is the address stored under a key.
  (func $caller_is (param $key i32) (param $key_length i32) (result i32)
    (drop (call $storage_read (local.get $key) (local.get $key_length) (i32.const 0x060) (i32.const 20)))
    (i32.and
      (i32.and (i64.eq (i64.load (i32.const 0x000)) (i64.load (i32.const 0x060)))
               (i64.eq (i64.load (i32.const 0x008)) (i64.load (i32.const 0x068))))
      (i32.eq (i32.load (i32.const 0x010)) (i32.load (i32.const 0x070)))))

  (func $require_funded
    (if (i32.ne (call $state) (i32.const 1))
      (then (call $fail (i32.const 0x310) (i32.const 24)))))

  ;; An event whose data is the address stored under a key, then the amount.
  (func $emit (param $name i32) (param $name_length i32) (param $key i32) (param $key_length i32)
    (drop (call $storage_read (local.get $key) (local.get $key_length) (i32.const 0x0a0) (i32.const 20)))
    (i64.store (i32.const 0x0b4) (call $amount))
    (call $emit_event (local.get $name) (local.get $name_length) (i32.const 0x0a0) (i32.const 28)))

  ;; init(seller: address, arbiter: address); the deployer is the buyer.
  (func (export "init")
    (if (i32.ne (call $state) (i32.const -1))
      (then (call $fail (i32.const 0x220) (i32.const 19))))
    (call $expect_input (i32.const 40))
    (call $caller (i32.const 0x000))
    (call $storage_write (i32.const 0x100) (i32.const 5) (i32.const 0x000) (i32.const 20))
    (call $storage_write (i32.const 0x108) (i32.const 6) (i32.const 0x020) (i32.const 20))
    (call $storage_write (i32.const 0x110) (i32.const 7) (i32.const 0x034) (i32.const 20))
    (call $set_state (i32.const 0)))

  ;; deposit(amount: u64)
  (func (export "deposit")
    (call $expect_input (i32.const 8))
    (call $caller (i32.const 0x000))
    (if (i32.eqz (call $caller_is (i32.const 0x100) (i32.const 5)))
      (then (call $fail (i32.const 0x240) (i32.const 26))))
    (if (i32.ne (call $state) (i32.const 0))
      (then (call $fail (i32.const 0x260) (i32.const 36))))
    (if (i64.eqz (i64.load (i32.const 0x020)))
      (then (call $fail (i32.const 0x290) (i32.const 27))))
    (call $storage_write (i32.const 0x120) (i32.const 6) (i32.const 0x020) (i32.const 8))
    (call $set_state (i32.const 1))
    (call $emit (i32.const 0x140) (i32.const 9) (i32.const 0x100) (i32.const 5)))

  ;; release(): the seller gets the deposit.
  (func (export "release")
    (call $caller (i32.const 0x000))
    (if (i32.eqz (i32.or (call $caller_is (i32.const 0x100) (i32.const 5))
                         (call $caller_is (i32.const 0x110) (i32.const 7))))
      (then (call $fail (i32.const 0x2b0) (i32.const 41))))
    (call $require_funded)
    (call $set_state (i32.const 2))
    (call $emit (i32.const 0x150) (i32.const 8) (i32.const 0x108) (i32.const 6)))

  ;; refund(): the buyer gets the deposit back.
  (func (export "refund")
    (call $caller (i32.const 0x000))
    (if (i32.eqz (i32.or (call $caller_is (i32.const 0x108) (i32.const 6))
                         (call $caller_is (i32.const 0x110) (i32.const 7))))
      (then (call $fail (i32.const 0x2e0) (i32.const 41))))
    (call $require_funded)
    (call $set_state (i32.const 3))
    (call $emit (i32.const 0x160) (i32.const 8) (i32.const 0x100) (i32.const 5)))

  ;; status() -> string
  (func (export "status")
    (local $state i32) (local $string i32)
    (local.set $state (call $state))
    (if (i32.lt_s (local.get $state) (i32.const 0))
      (then (call $fail (i32.const 0x330) (i32.const 15))))
    (local.set $string (i32.add (i32.const 0x380) (i32.shl (local.get $state) (i32.const 4))))
    (call $return_data (local.get $string)
                       (i32.add (i32.const 4) (i32.load (local.get $string)))))

  ;; amount() -> u64 (0 before the deposit)
  (func (export "amount")
    (i64.store (i32.const 0x080) (call $amount))
    (call $return_data (i32.const 0x080) (i32.const 8)))
)
