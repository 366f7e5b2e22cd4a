// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title Anchor — checkpoints of append-only Merkle logs, anchored by consortium members.
/// @notice A checkpoint is (logId, treeSize, root): the RFC 9162 root of a log's first
/// treeSize leaves. Anyone can read; only consortium members may write, and each log belongs
/// to one member (the first to anchor it, or whom the admin assigns), so that no member can
/// freeze or fork another department's log by anchoring a huge or bogus tree size for it.
/// @dev Everything a verifier needs is in contract storage: history is indexed per log and
/// searchable by tree size, because consortium nodes (e.g. Besu) cap eth_getLogs ranges and a
/// verifier must not depend on scanning events. Events are emitted for watchers only.
contract Anchor {
    struct Checkpoint {
        uint64 treeSize;
        uint64 blockNumber;
        uint64 timestamp;
        address member; // who anchored it (the log owner at the time)
        bytes32 root;
    }

    address public owner;
    mapping(address => bool) public isMember;
    address[] private memberList;

    mapping(bytes32 => Checkpoint[]) private history;
    mapping(bytes32 => address) public logOwner;
    bytes32[] private logIds;

    event Anchored(bytes32 indexed logId, uint64 treeSize, bytes32 root, uint256 index);
    event MemberAdded(address indexed member);
    event MemberRemoved(address indexed member);
    event LogOwnerChanged(bytes32 indexed logId, address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner();
    error NotMember(address account);
    error NotLogOwner(bytes32 logId, address logOwner);
    error NotNewer(bytes32 logId, uint64 treeSize, uint64 latestTreeSize);
    error IndexOutOfRange(bytes32 logId, uint256 index, uint256 count);
    error ZeroAddress();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    constructor(address[] memory initialMembers) {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
        for (uint256 i = 0; i < initialMembers.length; i++) _addMember(initialMembers[i]);
    }

    // ---- consortium administration ----

    function addMember(address member) external onlyOwner {
        _addMember(member);
    }

    function removeMember(address member) external onlyOwner {
        if (!isMember[member]) return;
        isMember[member] = false;
        uint256 n = memberList.length;
        for (uint256 i = 0; i < n; i++) {
            if (memberList[i] == member) {
                memberList[i] = memberList[n - 1];
                memberList.pop();
                break;
            }
        }
        emit MemberRemoved(member);
    }

    function members() external view returns (address[] memory) {
        return memberList;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Hands a log to another member: its current owner does this when it rotates its
    /// key; the admin may do it to recover a log whose key is lost or was claimed wrongly.
    function setLogOwner(bytes32 logId, address newOwner) external {
        address current = logOwner[logId];
        if (msg.sender != current && msg.sender != owner) revert NotLogOwner(logId, current);
        if (!isMember[newOwner]) revert NotMember(newOwner);
        logOwner[logId] = newOwner;
        if (current == address(0)) logIds.push(logId); // a log gets an owner only once from nothing
        emit LogOwnerChanged(logId, current, newOwner);
    }

    function _addMember(address member) private {
        if (member == address(0)) revert ZeroAddress();
        if (isMember[member]) return;
        isMember[member] = true;
        memberList.push(member);
        emit MemberAdded(member);
    }

    // ---- anchoring ----

    /// @notice Anchors a checkpoint; treeSize must exceed the log's latest anchored tree size.
    /// @return index the checkpoint's position in the log's history.
    function anchor(bytes32 logId, uint64 treeSize, bytes32 root) external returns (uint256 index) {
        if (!isMember[msg.sender]) revert NotMember(msg.sender);
        address holder = logOwner[logId];
        if (holder == address(0)) {
            logOwner[logId] = msg.sender;
            logIds.push(logId);
            emit LogOwnerChanged(logId, address(0), msg.sender);
        } else if (holder != msg.sender) {
            revert NotLogOwner(logId, holder);
        }
        Checkpoint[] storage h = history[logId];
        index = h.length;
        uint64 last = index == 0 ? 0 : h[index - 1].treeSize;
        if (treeSize <= last) revert NotNewer(logId, treeSize, last);
        h.push(Checkpoint(treeSize, uint64(block.number), uint64(block.timestamp), msg.sender, root));
        emit Anchored(logId, treeSize, root, index);
    }

    // ---- lookups (all by storage) ----

    /// @notice The latest checkpoint of a log; treeSize 0 when the log has none.
    function latest(bytes32 logId) external view returns (Checkpoint memory) {
        Checkpoint[] storage h = history[logId];
        if (h.length == 0) return Checkpoint(0, 0, 0, address(0), bytes32(0));
        return h[h.length - 1];
    }

    function checkpointCount(bytes32 logId) external view returns (uint256) {
        return history[logId].length;
    }

    function checkpointAt(bytes32 logId, uint256 index) external view returns (Checkpoint memory) {
        Checkpoint[] storage h = history[logId];
        if (index >= h.length) revert IndexOutOfRange(logId, index, h.length);
        return h[index];
    }

    /// @notice The earliest checkpoint whose treeSize >= treeSize (binary search: sizes strictly
    /// increase). With treeSize = leafIndex + 1 this is the first checkpoint covering that leaf;
    /// compare the returned treeSize for an exact match.
    function findCheckpoint(bytes32 logId, uint64 treeSize)
        external
        view
        returns (bool found, uint256 index, Checkpoint memory checkpoint)
    {
        Checkpoint[] storage h = history[logId];
        uint256 lo = 0;
        uint256 hi = h.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) / 2;
            if (h[mid].treeSize < treeSize) lo = mid + 1;
            else hi = mid;
        }
        if (lo == h.length) return (false, 0, Checkpoint(0, 0, 0, address(0), bytes32(0)));
        return (true, lo, h[lo]);
    }

    /// @notice Logs ever anchored (or assigned), so a status page can list them without scans.
    function logCount() external view returns (uint256) {
        return logIds.length;
    }

    function logAt(uint256 index) external view returns (bytes32) {
        return logIds[index];
    }
}
