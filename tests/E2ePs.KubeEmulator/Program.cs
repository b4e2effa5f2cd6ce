using E2ePs.KubeEmulator;

return await CommandLine.RunAsync(args);
