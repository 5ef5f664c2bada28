Console.Error.WriteLine("The fake providers are not built yet.");
return 1;
