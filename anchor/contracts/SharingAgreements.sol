// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @notice The one thing this contract needs to know about the consortium: who is a member.
interface IConsortium {
    function isMember(address account) external view returns (bool);
}

/// @title SharingAgreements — data-sharing agreements between a providing department and a
/// consuming agency, as executable policy the gateway enforces.
/// @notice Life cycle: the providing department (a consortium member of the Anchor contract)
/// proposes; the agreement is active only once the consumer accepts it, and only inside its
/// validity window; either party can terminate it at any time, which is final. Full terms stay
/// off chain; their digest is stored here, so both sides can prove which text they agreed on.
/// @dev Readers poll `version` (one storage slot, bumped on every change) and reload the
/// agreements only when it moved: a gateway sees a change within one poll interval without
/// scanning events (consortium nodes cap eth_getLogs ranges). History is never deleted.
contract SharingAgreements {
    uint8 public constant BASIS_CONSENT = 1; // each citizen's consent is needed per record
    uint8 public constant BASIS_STATUTE = 2; // a law allows it without consent

    uint8 public constant PROPOSED = 1;
    uint8 public constant ACTIVE = 2;
    uint8 public constant TERMINATED = 3;

    struct Agreement {
        address provider; // the department's identity address (a consortium member)
        address consumer; // the agency's identity address
        uint8 legalBasis;
        uint8 state;
        uint64 validFrom; // seconds, chain time
        uint64 validUntil; // seconds, exclusive
        uint64 proposedAt;
        uint64 acceptedAt; // 0 until accepted
        uint64 terminatedAt; // 0 unless terminated
        address terminatedBy;
        bytes32 termsDigest; // SHA-256 of the full terms, kept off chain
        bytes32[] categories; // data categories, e.g. "education.degree"
        bytes32[] purposes; // purpose codes, e.g. "degree-verification"
    }

    IConsortium public immutable consortium;
    uint256 public version;
    Agreement[] private agreements;
    mapping(address => uint256[]) private ofConsumer;

    event Proposed(uint256 indexed id, address indexed provider, address indexed consumer, bytes32 termsDigest);
    event Accepted(uint256 indexed id, address indexed consumer);
    event Terminated(uint256 indexed id, address indexed by);

    error NotMember(address account);
    error NotConsumer(uint256 id, address account);
    error NotParty(uint256 id, address account);
    error WrongState(uint256 id, uint8 state);
    error NoSuchAgreement(uint256 id, uint256 count);
    error InvalidAgreement(string reason);

    constructor(IConsortium consortium_) {
        if (address(consortium_) == address(0)) revert InvalidAgreement("consortium is the zero address");
        consortium = consortium_;
    }

    /// @notice The providing department proposes; returns the agreement's id.
    function propose(
        address consumer,
        bytes32[] calldata categories,
        bytes32[] calldata purposes,
        uint8 legalBasis,
        uint64 validFrom,
        uint64 validUntil,
        bytes32 termsDigest
    ) external returns (uint256 id) {
        if (!consortium.isMember(msg.sender)) revert NotMember(msg.sender);
        if (consumer == address(0) || consumer == msg.sender) revert InvalidAgreement("consumer must be another party");
        if (categories.length == 0 || categories.length > 32) revert InvalidAgreement("1 to 32 categories");
        if (purposes.length == 0 || purposes.length > 16) revert InvalidAgreement("1 to 16 purposes");
        if (legalBasis != BASIS_CONSENT && legalBasis != BASIS_STATUTE) revert InvalidAgreement("legal basis must be consent or statute");
        if (validUntil <= validFrom) revert InvalidAgreement("validUntil must be after validFrom");
        if (termsDigest == bytes32(0)) revert InvalidAgreement("terms digest required");
        id = agreements.length;
        Agreement storage a = agreements.push();
        a.provider = msg.sender;
        a.consumer = consumer;
        a.legalBasis = legalBasis;
        a.state = PROPOSED;
        a.validFrom = validFrom;
        a.validUntil = validUntil;
        a.proposedAt = uint64(block.timestamp);
        a.termsDigest = termsDigest;
        a.categories = categories;
        a.purposes = purposes;
        ofConsumer[consumer].push(id);
        version++;
        emit Proposed(id, msg.sender, consumer, termsDigest);
    }

    /// @notice Only the named consumer accepts, and only a proposal.
    function accept(uint256 id) external {
        Agreement storage a = _get(id);
        if (msg.sender != a.consumer) revert NotConsumer(id, msg.sender);
        if (a.state != PROPOSED) revert WrongState(id, a.state);
        a.state = ACTIVE;
        a.acceptedAt = uint64(block.timestamp);
        version++;
        emit Accepted(id, msg.sender);
    }

    /// @notice Either party ends a proposal or an active agreement; final.
    function terminate(uint256 id) external {
        Agreement storage a = _get(id);
        if (msg.sender != a.provider && msg.sender != a.consumer) revert NotParty(id, msg.sender);
        if (a.state == TERMINATED) revert WrongState(id, a.state);
        a.state = TERMINATED;
        a.terminatedAt = uint64(block.timestamp);
        a.terminatedBy = msg.sender;
        version++;
        emit Terminated(id, msg.sender);
    }

    function agreementCount() external view returns (uint256) {
        return agreements.length;
    }

    function agreementAt(uint256 id) external view returns (Agreement memory) {
        return _get(id);
    }

    function agreementsOfConsumer(address consumer) external view returns (uint256[] memory) {
        return ofConsumer[consumer];
    }

    /// @notice Accepted, not terminated, and inside its window at this block's time.
    function isActive(uint256 id) external view returns (bool) {
        Agreement storage a = _get(id);
        return a.state == ACTIVE && a.validFrom <= block.timestamp && block.timestamp < a.validUntil;
    }

    function _get(uint256 id) private view returns (Agreement storage) {
        if (id >= agreements.length) revert NoSuchAgreement(id, agreements.length);
        return agreements[id];
    }
}
