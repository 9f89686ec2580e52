/** The real Helm, shared with the integration chart tests (test/support/helm.ts). */
export { helmBinary, helmTemplate, type RenderedObject } from '../../support/helm.js';
