// The AppHost is built in the AppHost issue; until then it only says so.
Console.Error.WriteLine("The Montage AppHost is not built yet.");
return 1;
