import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{l as d}from"./chunk-WTEAVKQU.js";import{a as o}from"./chunk-7L7EOBF6.js";async function n(){d.debug("could not read machine-id: unsupported platform")}o(n,"getMachineId");export{n as getMachineId};
