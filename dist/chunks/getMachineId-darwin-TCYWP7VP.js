import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{a as n}from"./chunk-BP3IVVHE.js";import{l as r}from"./chunk-WTEAVKQU.js";import{a as i}from"./chunk-7L7EOBF6.js";async function d(){try{let t=(await n('ioreg -rd1 -c "IOPlatformExpertDevice"')).stdout.split(`
`).find(c=>c.includes("IOPlatformUUID"));if(!t)return;let e=t.split('" = "');if(e.length===2)return e[1].slice(0,-1)}catch(t){r.debug(`error reading machine id: ${t}`)}}i(d,"getMachineId");export{d as getMachineId};
