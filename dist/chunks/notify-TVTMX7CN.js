import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{a,b}from"./chunk-ARMLH74X.js";import"./chunk-P7YGJTOS.js";import"./chunk-Z3GQNSR2.js";import"./chunk-HJ2TRRG3.js";import"./chunk-7L7EOBF6.js";export{b as imageRefs,a as runNotifications};
