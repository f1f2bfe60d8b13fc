// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ContractLedger: an on-chain record of the Contract Management System's audit trail.
/// @notice Three ways to record, cheapest last:
///  - `recordEvent`: the seed design, one transaction (and one storage entry) per event;
///  - `setStatus`: a per-contract slot (status + audit head hash) at legally significant
///    transitions, readable by anyone with `statusOf`;
///  - `anchor`: the Merkle root of a batch of audit events, whatever its size. Every event then
///    has an inclusion proof against a root that `anchorOf` returns from contract storage.
/// Only recorders on the owner's allowlist may write.
contract ContractLedger {
    // Contract statuses as the platform numbers them; only these may be put in a status slot.
    uint8 public constant SIGNED = 2;
    uint8 public constant ACTIVE = 3;
    uint8 public constant COMPLETED = 4;
    uint8 public constant TERMINATED = 5;
    uint8 public constant EXPIRED = 6;

    struct Event {
        string eventType;
        string data;
        uint256 timestamp;
    }

    struct StatusSlot {
        uint8 status;
        uint64 seq; // audit sequence number of the head event: slots only move forward
        uint64 updatedAt;
        bytes32 headHash;
    }

    struct Anchor {
        uint64 blockNumber;
        uint64 firstSeq;
        uint64 lastSeq;
        uint32 count;
    }

    address public owner;
    mapping(address => bool) public recorders;
    /// Next anchoring sequence number: batches cover consecutive, non-overlapping ranges.
    uint64 public nextSeq;

    mapping(string => Event[]) private contractEvents;
    mapping(string => StatusSlot) private statusSlots;
    mapping(bytes32 => Anchor) private anchors;

    event ContractEvent(string contractId, string eventType, string data, uint256 timestamp);
    event StatusRecorded(string contractId, uint8 status, uint64 seq, bytes32 headHash);
    event Anchored(bytes32 indexed root, uint64 firstSeq, uint64 lastSeq, uint32 count);
    event RecorderSet(address indexed recorder, bool allowed);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner(address caller);
    error NotRecorder(address caller);
    error ZeroAddress();
    error EmptyRoot();
    error EmptyBatch();
    error BadRange(uint64 firstSeq, uint64 lastSeq, uint32 count);
    error OutOfOrder(uint64 expectedFirstSeq, uint64 firstSeq);
    error AlreadyAnchored(bytes32 root);
    error NotSignificant(uint8 status);
    error StaleStatus(uint64 currentSeq, uint64 seq);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    modifier onlyRecorder() {
        if (!recorders[msg.sender]) revert NotRecorder(msg.sender);
        _;
    }

    constructor() {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    // ------------------------------------------------------------------ administration

    function setRecorder(address recorder, bool allowed) external onlyOwner {
        if (recorder == address(0)) revert ZeroAddress();
        recorders[recorder] = allowed;
        emit RecorderSet(recorder, allowed);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ------------------------------------------------------------------ the seed's path

    /// @notice One event, one transaction, as in the seed tutorial (kept for comparison).
    function recordEvent(
        string calldata contractId,
        string calldata eventType,
        string calldata data
    ) external onlyRecorder {
        contractEvents[contractId].push(Event(eventType, data, block.timestamp));
        emit ContractEvent(contractId, eventType, data, block.timestamp);
    }

    function eventCount(string calldata contractId) external view returns (uint256) {
        return contractEvents[contractId].length;
    }

    function eventAt(string calldata contractId, uint256 index)
        external
        view
        returns (string memory eventType, string memory data, uint256 timestamp)
    {
        Event storage recorded = contractEvents[contractId][index];
        return (recorded.eventType, recorded.data, recorded.timestamp);
    }

    // ------------------------------------------------------------------ status slots

    /// @notice Record a legally significant status with the audit head it was reached at.
    function setStatus(string calldata contractId, uint8 status, uint64 seq, bytes32 headHash)
        external
        onlyRecorder
    {
        if (status < SIGNED || status > EXPIRED) revert NotSignificant(status);
        StatusSlot storage slot = statusSlots[contractId];
        if (slot.updatedAt != 0 && seq <= slot.seq) revert StaleStatus(slot.seq, seq);
        statusSlots[contractId] = StatusSlot(status, seq, uint64(block.timestamp), headHash);
        emit StatusRecorded(contractId, status, seq, headHash);
    }

    function statusOf(string calldata contractId)
        external
        view
        returns (uint8 status, uint64 seq, uint64 updatedAt, bytes32 headHash)
    {
        StatusSlot storage slot = statusSlots[contractId];
        return (slot.status, slot.seq, slot.updatedAt, slot.headHash);
    }

    // ------------------------------------------------------------------ batch anchoring

    /// @notice Anchor the Merkle root of audit events firstSeq..lastSeq (inclusive).
    /// Ranges are consecutive, so a batch sent twice (a retry after a crash) is refused
    /// rather than anchored twice, and a vanished transaction leaves the range open.
    function anchor(bytes32 root, uint64 firstSeq, uint64 lastSeq, uint32 count)
        external
        onlyRecorder
    {
        if (root == bytes32(0)) revert EmptyRoot();
        if (count == 0) revert EmptyBatch();
        if (lastSeq < firstSeq || lastSeq - firstSeq + 1 != count) {
            revert BadRange(firstSeq, lastSeq, count);
        }
        if (anchors[root].blockNumber != 0) revert AlreadyAnchored(root);
        if (firstSeq != nextSeq) revert OutOfOrder(nextSeq, firstSeq);
        anchors[root] = Anchor(uint64(block.number), firstSeq, lastSeq, count);
        nextSeq = lastSeq + 1;
        emit Anchored(root, firstSeq, lastSeq, count);
    }

    /// @notice Where and what a root anchored; blockNumber 0 means never.
    function anchorOf(bytes32 root)
        external
        view
        returns (uint64 blockNumber, uint64 firstSeq, uint64 lastSeq, uint32 count)
    {
        Anchor storage anchored = anchors[root];
        return (anchored.blockNumber, anchored.firstSeq, anchored.lastSeq, anchored.count);
    }
}
