import{createRequire as __swissRequire}from'node:module';const require=__swissRequire(import.meta.url);
import{a,b,c,d}from"./chunk-GLDZ2PSJ.js";import"./chunk-K5RBCPG4.js";import"./chunk-6OTYTYBF.js";import"./chunk-HJ2TRRG3.js";import"./chunk-7L7EOBF6.js";export{a as GitHubApiError,b as GitHubClient,c as GitHubDeployment,d as recordDeployment};
