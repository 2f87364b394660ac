import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{b as e,c as r}from"./chunk-7L7EOBF6.js";var q=r((u,i)=>{"use strict";i.exports=e("node:path")});var s=r((x,o)=>{"use strict";o.exports=e("node:fs")});var t=r((a,p)=>{"use strict";p.exports=e("node:child_process")});export{q as a,s as b,t as c};
