/**
 * pkijs loaded through CommonJS `require`: importing its CommonJS build from ESM makes Node scan
 * the whole file for export names (~200 ms at every start of the CLI); require does not.
 */
import pkijs = require('pkijs');
export = pkijs;
