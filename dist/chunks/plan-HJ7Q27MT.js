import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{a,b}from"./chunk-Z74BIDBU.js";import"./chunk-B4LE352D.js";import"./chunk-NU62YPP3.js";import"./chunk-UCTFGMKM.js";import"./chunk-7L7EOBF6.js";export{b as describeSigner,a as planBuildImage};
