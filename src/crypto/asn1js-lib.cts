/**
 * asn1js loaded through CommonJS `require` (see pkijs-lib.cts): importing a CommonJS build from
 * ESM makes Node scan it for export names at every start.
 */
import asn1js = require('asn1js');
export = asn1js;
