// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title TrustedIssuers — which issuer may issue which credential type, from when to when.
/// @notice The consortium root (the deployer, transferable) accredits an issuer — the identity
/// address of its did:ethr, which survives key rotation — for a credential type over
/// [validFrom, validUntil) in seconds of chain time (validUntil 0 = open-ended), and may end an
/// accreditation early, but never before now: credentials honestly issued while the issuer was
/// accredited must stay verifiable. Every accreditation is an entry of an append-only history,
/// so "was this issuer accredited for this type at that time" is answered for any past time.
/// @dev Everything a verifier needs is in contract storage (consortium nodes cap eth_getLogs
/// ranges; a verifier must not depend on scanning events). Events are for watchers only.
/// Since an end can never be set before the current block time and entries are never removed,
/// a `true` answer for a past time is final; only a back-dated accreditation can turn a past
/// `false` into `true` (the root's call, visible in the entry's recordedAt).
contract TrustedIssuers {
    struct Accreditation {
        address issuer;
        uint64 validFrom;
        bytes32 credentialType;
        uint64 validUntil; // 0: open-ended
        uint64 endedAt; // 0: not ended early; else the time it stopped counting
        uint64 recordedAt; // block time of the accreditation (shows back-dating)
        uint64 recordedBlock;
        address accreditedBy; // the root at the time
    }

    address public root;

    Accreditation[] private entries;
    mapping(address => uint256[]) private byIssuer;
    mapping(address => mapping(bytes32 => uint256[])) private byIssuerAndType;

    event Accredited(uint256 indexed index, address indexed issuer, bytes32 indexed credentialType, uint64 validFrom, uint64 validUntil);
    event AccreditationEnded(uint256 indexed index, address indexed issuer, bytes32 indexed credentialType, uint64 endedAt);
    event RootTransferred(address indexed previousRoot, address indexed newRoot);

    error NotRoot();
    error ZeroAddress();
    error InvalidCredentialType();
    error InvalidPeriod(uint64 validFrom, uint64 validUntil);
    error IndexOutOfRange(uint256 index, uint256 count);
    error RetroactiveEnd(uint256 index, uint64 endAt, uint64 chainTime);
    error NotShortened(uint256 index, uint64 endAt, uint64 currentEnd);

    modifier onlyRoot() {
        if (msg.sender != root) revert NotRoot();
        _;
    }

    constructor() {
        root = msg.sender;
        emit RootTransferred(address(0), msg.sender);
    }

    function transferRoot(address newRoot) external onlyRoot {
        if (newRoot == address(0)) revert ZeroAddress();
        emit RootTransferred(root, newRoot);
        root = newRoot;
    }

    // ---- accreditation ----

    /// @notice Accredits `issuer` for `credentialType` over [validFrom, validUntil).
    /// @param validFrom seconds; 0 means the block time of this transaction (the caller's clock
    /// is not the chain's).
    /// @param validUntil seconds, exclusive; 0 means open-ended.
    /// @return index the entry's position in the history.
    function accredit(address issuer, bytes32 credentialType, uint64 validFrom, uint64 validUntil) external onlyRoot returns (uint256 index) {
        if (issuer == address(0)) revert ZeroAddress();
        if (credentialType == bytes32(0)) revert InvalidCredentialType();
        uint64 from = validFrom == 0 ? uint64(block.timestamp) : validFrom;
        if (validUntil != 0 && validUntil <= from) revert InvalidPeriod(from, validUntil);
        index = entries.length;
        entries.push(Accreditation(issuer, from, credentialType, validUntil, 0, uint64(block.timestamp), uint64(block.number), msg.sender));
        byIssuer[issuer].push(index);
        byIssuerAndType[issuer][credentialType].push(index);
        emit Accredited(index, issuer, credentialType, from, validUntil);
    }

    /// @notice Ends an accreditation at `endAt` (0 = now). Only shortens, and never before now: the
    /// answer for any time already past cannot change. Moving a scheduled end earlier rewrites
    /// endedAt, which is safe for the same reason (the old value still lay in the future).
    function endAccreditation(uint256 index, uint64 endAt) external onlyRoot {
        if (index >= entries.length) revert IndexOutOfRange(index, entries.length);
        uint64 chainTime = uint64(block.timestamp);
        uint64 when = endAt == 0 ? chainTime : endAt;
        if (when < chainTime) revert RetroactiveEnd(index, when, chainTime);
        Accreditation storage a = entries[index];
        uint64 currentEnd = _end(a);
        if (when >= currentEnd) revert NotShortened(index, when, currentEnd);
        a.endedAt = when;
        emit AccreditationEnded(index, a.issuer, a.credentialType, when);
    }

    // ---- lookups (all by storage) ----

    /// @notice Whether `issuer` was accredited for `credentialType` at `timestamp` (seconds), and
    /// by which entry (the latest one covering that time); (false, 0) when none does.
    function wasAccredited(address issuer, bytes32 credentialType, uint256 timestamp) external view returns (bool accredited, uint256 index) {
        uint256[] storage list = byIssuerAndType[issuer][credentialType];
        for (uint256 i = list.length; i > 0; i--) {
            Accreditation storage a = entries[list[i - 1]];
            if (a.validFrom <= timestamp && timestamp < _end(a)) return (true, list[i - 1]);
        }
        return (false, 0);
    }

    function accreditationCount() external view returns (uint256) {
        return entries.length;
    }

    function accreditationAt(uint256 index) external view returns (Accreditation memory) {
        if (index >= entries.length) revert IndexOutOfRange(index, entries.length);
        return entries[index];
    }

    /// @notice Indexes of every accreditation of an issuer, oldest first (all types).
    function accreditationsOf(address issuer) external view returns (uint256[] memory) {
        return byIssuer[issuer];
    }

    /// @dev The first second the entry no longer counts; uint64 max when open-ended.
    function _end(Accreditation storage a) private view returns (uint64 end) {
        end = a.validUntil == 0 ? type(uint64).max : a.validUntil;
        if (a.endedAt != 0 && a.endedAt < end) end = a.endedAt;
    }
}
