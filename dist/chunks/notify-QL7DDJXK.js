import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{a,b}from"./chunk-FGXB3ZQU.js";import"./chunk-R4S7XBMB.js";import"./chunk-VGDLKJ2U.js";import"./chunk-NU62YPP3.js";import"./chunk-UCTFGMKM.js";import"./chunk-7L7EOBF6.js";export{b as imageRefs,a as runNotifications};
