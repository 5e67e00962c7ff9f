export { SealedValueError, SecretBox } from './secret-box.js';
