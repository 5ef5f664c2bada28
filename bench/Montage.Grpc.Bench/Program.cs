Console.Error.WriteLine("The gRPC benchmark is not built yet.");
return 1;
