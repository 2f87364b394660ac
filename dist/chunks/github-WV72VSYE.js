import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{a,b,c,d,e}from"./chunk-FIHHHLVC.js";import"./chunk-B4LE352D.js";import"./chunk-NU62YPP3.js";import"./chunk-UCTFGMKM.js";import"./chunk-7L7EOBF6.js";export{a as GitHubClient,b as deactivateEnvironment,e as findComment,c as recordDeployment,d as upsertComment};
