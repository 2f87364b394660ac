import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{b as e,c as r}from"./chunk-7L7EOBF6.js";var p=r((s,i)=>{"use strict";i.exports=e("node:path")});var q=r((t,o)=>{"use strict";o.exports=e("node:fs")});export{p as a,q as b};
