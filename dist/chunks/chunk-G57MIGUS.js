import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{b as r,c as i}from"./chunk-7L7EOBF6.js";var o=i((p,e)=>{"use strict";e.exports=r("node:child_process")});export{o as a};
