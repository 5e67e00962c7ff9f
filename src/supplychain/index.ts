/** The public surface of supplychain/ (see README.md): cosign-compatible formats and crypto, no I/O. */
export {
  type Bundle,
  bundleBytes,
  makeBundle,
  type ParsedBundle,
  parseBundle,
} from './bundle.js';
export {
  type Envelope,
  type EnvelopeSignature,
  envelopeBytes,
  envelopeFromJson,
  envelopePayload,
  pae,
  parseEnvelope,
  signEnvelope,
} from './dsse.js';
export {
  isSupplyChainError,
  SUPPLY_CHAIN_ERROR_CODES,
  SupplyChainError,
  type SupplyChainErrorCode,
} from './errors.js';
export {
  COSIGN_PRIVATE_KEY_PEM_TYPE,
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  keyHint,
  parsePublicKeys,
  publicKeyFromPrivate,
  publicKeyPem,
  type ScryptN,
  SIGSTORE_PRIVATE_KEY_PEM_TYPE,
} from './keys.js';
export * from './media.js';
export {
  type ProvenanceInput,
  type ResourceDescriptor,
  SLSA_PROVENANCE_V1,
  type SlsaProvenanceV1,
  slsaProvenanceV1,
} from './provenance.js';
export { signBytes, verifyBytes } from './signing.js';
export {
  COSIGN_SIGNATURE_TYPE,
  parseSimpleSigning,
  type SimpleSigning,
  type SimpleSigningInput,
  simpleSigningPayload,
} from './simple-signing.js';
export {
  makeStatement,
  PREDICATE_TYPES,
  parseStatement,
  predicateTypeFor,
  STATEMENT_V1,
  STATEMENT_V01,
  type Statement,
  type StatementInput,
  type Subject,
} from './statement.js';
export {
  type AttestationCheck,
  type BundleCheck,
  type SimpleSigningCheck,
  type Verdict,
  verifyAttestation,
  verifyBundle,
  verifySimpleSigning,
} from './verify.js';
