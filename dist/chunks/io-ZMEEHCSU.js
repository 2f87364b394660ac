import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{d as a,e as b,f as c,g as d,h as e,i as f}from"./chunk-7PI7LDYC.js";import"./chunk-UCTFGMKM.js";import"./chunk-7L7EOBF6.js";export{a as cp,f as findInPath,d as mkdirP,b as mv,c as rmRF,e as which};
